"""Write output files atomically: a temporary file in the same folder, then a rename.

A reader never sees a half-written file, and a failed build leaves the
previous artifact byte-identical.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from cvbuild.errors import OutputError, Problem

logger = logging.getLogger(__name__)


def write_atomically(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` in one step; raise ``OutputError`` if the folder is unusable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise OutputError([Problem(
            message=f"cannot write to the folder: {error.strerror}",
            file=path.parent,
            hint="choose another folder with --output, or check its permissions",
        )]) from None

    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OutputError([Problem(
            message=f"cannot write the file: {error.strerror}",
            file=path,
            hint="check the free space and the permissions of the output folder",
        )]) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    logger.debug("wrote %s (%d bytes)", path, len(content))
