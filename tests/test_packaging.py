"""The wheel carries the built-in themes, so an installed cvbuild works outside the repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import OWNER_PROFILE, REPOSITORY

SOURCES = ("pyproject.toml", "README.md", "src", "themes")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built offline from a copy of the sources, so the checkout gets no build folders."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        origin = REPOSITORY / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(origin, source / name)
    output = tmp_path_factory.mktemp("wheel")
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(output), str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    wheels = list(output.glob("cvbuild-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_every_theme_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (REPOSITORY / "themes").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(REPOSITORY / "themes").as_posix()
            assert f"cvbuild/themes/{relative}" in names, relative


def test_installed_wheel_builds_outside_repository(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert install.returncode == 0, install.stderr

    workdir = tmp_path / "elsewhere"
    (workdir / "data").mkdir(parents=True)
    shutil.copy2(OWNER_PROFILE, workdir / "data" / "profile.yaml")
    script = (
        "import sys; sys.path.insert(0, sys.argv.pop(1));"
        "import cvbuild.theme as theme; print(theme.builtin_themes_folder());"
        "from cvbuild.cli import main; main()"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(target), "pdf"],
        cwd=workdir, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    themes_folder = Path(completed.stdout.splitlines()[0])
    assert themes_folder.is_relative_to(target)
    assert (workdir / "output" / "Mansa_Camara_CV.pdf").is_file()
