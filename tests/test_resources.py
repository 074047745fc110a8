"""Resources and outputs stay inside their folders; nothing is fetched from the network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cvbuild.build import prepare_build
from cvbuild.cli import app
from cvbuild.errors import ProfileError, ResourceError
from cvbuild.fit import layout_profile
from tests.conftest import MINIMAL_PROFILE, REPOSITORY, write_profile

runner = CliRunner()


def _theme_with_css(tmp_path: Path, extra_css: str) -> Path:
    theme = tmp_path / "theme"
    shutil.copytree(REPOSITORY / "themes" / "classic", theme)
    with (theme / "style.css").open("a", encoding="utf-8") as stylesheet:
        stylesheet.write("\n" + extra_css + "\n")
    return theme


@pytest.mark.parametrize(
    "css",
    [
        "body { background: url('https://example.invalid/tracker.png'); }",
        "body { background: url('http://127.0.0.1:9/x.png'); }",
        "body { background: url('file:///etc/hosts'); }",
        "body { background: url('../../../../../../etc/hosts'); }",
    ],
)
def test_outside_resource_rejected(tmp_path: Path, css: str) -> None:
    theme = _theme_with_css(tmp_path, css)
    profile = write_profile(tmp_path, MINIMAL_PROFILE)
    inputs = prepare_build(profile, str(theme), tmp_path / "out")
    with pytest.raises(ResourceError) as caught:
        layout_profile(inputs, inputs.profile, "")
    assert "cannot load" in caught.value.problems[0].message


def test_template_stylesheet_link_rejected(tmp_path: Path) -> None:
    theme = _theme_with_css(tmp_path, "")
    template = theme / "template.html.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "<style>", '<link rel="stylesheet" href="https://example.invalid/theme.css">\n<style>'
        ),
        encoding="utf-8",
    )
    profile = write_profile(tmp_path, MINIMAL_PROFILE)
    inputs = prepare_build(profile, str(theme), tmp_path / "out")
    with pytest.raises(ResourceError):
        layout_profile(inputs, inputs.profile, "")


def test_outside_resource_cli_writes_nothing(tmp_path: Path) -> None:
    theme = _theme_with_css(tmp_path, "body { background: url('https://example.invalid/x.png'); }")
    profile = write_profile(tmp_path, MINIMAL_PROFILE)
    output = tmp_path / "out"
    result = runner.invoke(app, ["pdf", "--profile", str(profile), "--theme", str(theme), "--output", str(output)])
    assert result.exit_code == 2
    assert "https://example.invalid/x.png" in result.output
    assert not output.exists() or list(output.iterdir()) == []


def test_theme_folder_resource_allowed(tmp_path: Path) -> None:
    theme = _theme_with_css(tmp_path, "body { background: url('fonts/OFL.txt'); }")
    profile = write_profile(tmp_path, MINIMAL_PROFILE)
    inputs = prepare_build(profile, str(theme), tmp_path / "out")
    document = layout_profile(inputs, inputs.profile, "")
    assert len(document.pages) == 1


def test_image_outside_profile_folder_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "cv"
    folder.mkdir()
    profile = write_profile(folder, MINIMAL_PROFILE.replace("label: Engineer", "label: Engineer\n  image: ../photo.jpg"))
    with pytest.raises(ProfileError) as caught:
        prepare_build(profile, None, tmp_path / "out")
    assert caught.value.problems[0].field == "basics.image"


def test_image_url_rejected(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, MINIMAL_PROFILE.replace("label: Engineer", "label: Engineer\n  image: https://x.invalid/a.jpg"))
    with pytest.raises(ProfileError) as caught:
        prepare_build(profile, None, tmp_path / "out")
    assert "network" in caught.value.problems[0].message


def test_missing_image_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    profile = write_profile(tmp_path, MINIMAL_PROFILE.replace("label: Engineer", "label: Engineer\n  image: photo.jpg"))
    prepare_build(profile, None, tmp_path / "out")
    assert "photo.jpg" in caplog.text


def test_output_into_theme_folder_rejected(tmp_path: Path) -> None:
    theme = _theme_with_css(tmp_path, "")
    profile = write_profile(tmp_path, MINIMAL_PROFILE)
    result = runner.invoke(
        app, ["pdf", "--profile", str(profile), "--theme", str(theme), "--output", str(theme / "out")]
    )
    assert result.exit_code == 2
    assert not (theme / "out").exists()


def test_default_build_leaves_sources_untouched(tmp_path: Path) -> None:
    """A build from a copy of the repository changes nothing under data/ or themes/."""
    for folder in ("data", "themes"):
        shutil.copytree(REPOSITORY / folder, tmp_path / folder)
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    result = runner.invoke(
        app,
        ["pdf", "--profile", str(tmp_path / "data" / "profile.yaml"), "--theme", str(tmp_path / "themes" / "classic"),
         "--output", str(tmp_path / "output")],
    )
    assert result.exit_code == 0, result.output
    after = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file() and "output" not in path.parts}
    assert after == before


def test_missing_glyphs_warned(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = "settings:\n  locale: ja\n" + MINIMAL_PROFILE.replace("Example Corp", "株式会社 Example")
    profile = write_profile(tmp_path, text)
    result = runner.invoke(app, ["pdf", "--profile", str(profile), "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "株 (U+682A)" in warnings[0]
    assert "年" in warnings[0]


def test_covered_profile_not_warned(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    result = runner.invoke(
        app, ["pdf", "--profile", str(REPOSITORY / "data" / "profile.yaml"), "--output", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert not [record for record in caplog.records if record.levelname == "WARNING"]
