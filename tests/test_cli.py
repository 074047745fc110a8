"""The command line as a user runs it: exit codes, messages and untouched outputs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cvbuild.cli import app
from tests.conftest import MINIMAL_PROFILE, OWNER_PROFILE, REPOSITORY, write_profile

runner = CliRunner()


def test_pdf_command_writes_named_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pdf", "--profile", str(OWNER_PROFILE), "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "Mansa_Camara_CV.pdf").is_file()
    assert "Mansa_Camara_CV.pdf" in result.output


def test_pdf_command_leaves_no_temporary_files(tmp_path: Path) -> None:
    runner.invoke(app, ["pdf", "--profile", str(OWNER_PROFILE), "--output", str(tmp_path)])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["Mansa_Camara_CV.pdf"]


def test_bad_profile_exits_two(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, MINIMAL_PROFILE.replace("position:", "postion:"))
    result = runner.invoke(app, ["pdf", "--profile", str(profile), "--output", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{profile}:6:5" in result.output
    assert 'did you mean "position"?' in result.output


def test_bad_profile_leaves_pdf_identical(tmp_path: Path) -> None:
    output = tmp_path / "out"
    profile = write_profile(tmp_path, MINIMAL_PROFILE)
    first = runner.invoke(app, ["pdf", "--profile", str(profile), "--output", str(output)])
    assert first.exit_code == 0, first.output
    artifact = output / "Ada_Example_CV.pdf"
    before = artifact.read_bytes()

    profile.write_text(MINIMAL_PROFILE.replace("startDate: 2020-01", "startDate: 2020-13"), encoding="utf-8")
    second = runner.invoke(app, ["pdf", "--profile", str(profile), "--output", str(output)])
    assert second.exit_code == 2
    assert artifact.read_bytes() == before
    assert sorted(path.name for path in output.iterdir()) == ["Ada_Example_CV.pdf"]


def test_missing_profile_exits_two(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pdf", "--profile", str(tmp_path / "nope.yaml"), "--output", str(tmp_path)])
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_theme_option_takes_folder_path(tmp_path: Path) -> None:
    theme = tmp_path / "mytheme"
    shutil.copytree(REPOSITORY / "themes" / "classic", theme)
    result = runner.invoke(
        app, ["pdf", "--profile", str(OWNER_PROFILE), "--theme", str(theme), "--output", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output


def test_unknown_theme_suggests_name(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["pdf", "--profile", str(OWNER_PROFILE), "--theme", "clasic", "--output", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert 'did you mean "classic"?' in result.output


def test_validate_writes_nothing(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, MINIMAL_PROFILE)
    result = runner.invoke(app, ["validate", "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["profile.yaml"]


def test_output_into_profile_folder_rejected(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, MINIMAL_PROFILE)
    result = runner.invoke(app, ["pdf", "--profile", str(profile), "--output", str(tmp_path)])
    assert result.exit_code == 2
    assert "profile's folder" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["profile.yaml"]


def _installed_script() -> Path:
    script = Path(sys.executable).parent / "cvbuild"
    if not script.is_file():
        pytest.fail(f"the cvbuild console script is not installed next to {sys.executable}; run bash .ci/setup --test")
    return script


def test_console_script_builds_default_profile(tmp_path: Path) -> None:
    """Run the installed script from a copy of the repository, with no arguments, as the README does."""
    shutil.copytree(REPOSITORY / "data", tmp_path / "data")
    environment = {**os.environ, "COLUMNS": "120"}
    completed = subprocess.run(
        [str(_installed_script()), "pdf"], cwd=tmp_path, capture_output=True, text=True, env=environment, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "output" / "Mansa_Camara_CV.pdf").is_file()
    assert completed.stderr == ""


def test_console_script_reports_error(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, "basics: [oops\n")
    completed = subprocess.run(
        [str(_installed_script()), "validate", "--profile", str(profile)],
        capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert f"{profile}:2:1" in completed.stderr


def test_debug_shows_traceback(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, "basics: [oops\n")
    completed = subprocess.run(
        [str(_installed_script()), "--debug", "validate", "--profile", str(profile)],
        capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 2
    assert "Traceback" in completed.stderr
    assert f"{profile}:2:1" in completed.stderr


def test_version_option() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("cvbuild ")


def test_validate_checks_settings_theme(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, "settings:\n  theme: fancy\n" + MINIMAL_PROFILE)
    result = runner.invoke(app, ["validate", "--profile", str(profile)])
    assert result.exit_code == 2
    assert f"{profile}:2:10: settings.theme: unknown theme" in result.output


def test_validate_checks_image_path(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, MINIMAL_PROFILE.replace("label: Engineer", "label: Engineer\n  image: /etc/hostname"))
    result = runner.invoke(app, ["validate", "--profile", str(profile)])
    assert result.exit_code == 2
    assert f"{profile}:4:10: basics.image:" in result.output


def test_unknown_theme_option_has_no_placeholder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pdf", "--profile", str(OWNER_PROFILE), "--theme", "nosuch", "--output", str(tmp_path)])
    assert result.exit_code == 2
    assert "<input>" not in result.output
    assert '--theme: unknown theme "nosuch"' in result.output


def test_quiet_prints_nothing_on_success(tmp_path: Path) -> None:
    result = runner.invoke(app, ["-q", "pdf", "--profile", str(OWNER_PROFILE), "--output", str(tmp_path)])
    assert result.exit_code == 0
    assert result.output == ""
    assert (tmp_path / "Mansa_Camara_CV.pdf").is_file()


def test_quiet_still_prints_errors(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, "basics: [oops\n")
    result = runner.invoke(app, ["-q", "validate", "--profile", str(profile)])
    assert result.exit_code == 2
    assert "invalid YAML" in result.output
