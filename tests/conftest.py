"""Shared fixtures: the repository's paths, the owner's built PDF, and tool checks."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cvbuild.build import build_artifact, prepare_build

REPOSITORY = Path(__file__).resolve().parents[1]
OWNER_PROFILE = REPOSITORY / "data" / "profile.yaml"


LIBREOFFICE_TIMEOUT_SECONDS = 180


def require_tool(name: str, package: str, *alternatives: str) -> str:
    """Return the path of a command-line tool, failing under CI and skipping locally when it is absent."""
    for candidate in (name, *alternatives):
        path = shutil.which(candidate)
        if path is not None:
            return path
    message = f"{name} is not installed (Debian package {package}); bash .ci/setup --test installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def convert_with_libreoffice(document: Path, folder: Path) -> Path:
    """Lay ``document`` out with LibreOffice and return the PDF it writes into ``folder``."""
    soffice = require_tool("soffice", "libreoffice-writer-nogui", "libreoffice")
    # A private user profile lets the conversion run while another LibreOffice is open.
    user_profile = (folder / "libreoffice-profile").as_uri()
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={user_profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(folder), str(document)],
        capture_output=True,
        text=True,
        timeout=LIBREOFFICE_TIMEOUT_SECONDS,
        check=False,
    )
    converted = folder / (document.stem + ".pdf")
    assert result.returncode == 0, result.stderr
    assert converted.is_file(), result.stdout + result.stderr
    return converted


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


def pdf_fonts(path: Path) -> dict[str, bool]:
    """Map each font's base name in the PDF at ``path`` to whether its program is embedded."""
    from pypdf import PdfReader

    fonts: dict[str, bool] = {}
    for page in PdfReader(path).pages:
        resources = page.get("/Resources")
        font_dictionary = resources.get_object().get("/Font") if resources else None
        if not font_dictionary:
            continue
        for reference in font_dictionary.get_object().values():
            font = reference.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font.get("/BaseFont"))] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts
