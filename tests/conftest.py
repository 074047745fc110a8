"""Shared fixtures: the repository's paths, the owner's built PDF, and tool checks."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cvbuild.build import build_artifact, prepare_build

REPOSITORY = Path(__file__).resolve().parents[1]
OWNER_PROFILE = REPOSITORY / "data" / "profile.yaml"


def require_tool(name: str, package: str) -> str:
    """Return the path of a command-line tool, failing under CI and skipping locally when it is absent."""
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} is not installed (Debian package {package}); bash .ci/setup --test installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def owner_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The owner's full PDF, built once for the whole session."""
    output = tmp_path_factory.mktemp("owner-pdf")
    inputs = prepare_build(OWNER_PROFILE, None, output)
    return build_artifact(inputs, "pdf").path


def write_profile(folder: Path, text: str, name: str = "profile.yaml") -> Path:
    """Write a profile file into ``folder`` and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL_PROFILE = """\
basics:
  name: Ada Example
  label: Engineer
work:
  - name: Example Corp
    position: Engineer
    startDate: 2020-01
    endDate: present
    highlights:
      - Built things.
"""
