"""Names shared by the CLI and the build: output formats, variants and default paths.

Kept apart from ``cvbuild.build`` so that the CLI can name them without
importing the theme and rendering modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

DEFAULT_PROFILE = Path("data/profile.yaml")
DEFAULT_OUTPUT = Path("output")

OutputFormat = Literal["pdf", "docx"]
Variant = Literal["full", "short"]
