"""The one-page variant: real layout, priorities, determinism, and clear failure."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from cvbuild.build import RenderCache, build_artifact, prepare_build
from cvbuild.cli import app
from cvbuild.errors import FitError
from cvbuild.fit import fit_one_page
from cvbuild.model import Priority
from cvbuild.select import collect_items, rank_items, select_profile
from cvbuild.validate import load_profile
from tests.conftest import MINIMAL_PROFILE, OWNER_PROFILE, convert_with_libreoffice, write_profile
from tests.generated import generated_profile, generated_profile_yaml

runner = CliRunner()

# The printable height that the text must reach on the one page.
MIN_FILL = 0.85


@pytest.fixture(scope="module")
def owner_fit(tmp_path_factory: pytest.TempPathFactory):
    inputs = prepare_build(OWNER_PROFILE, None, tmp_path_factory.mktemp("short"))
    return inputs, fit_one_page(inputs)


@pytest.fixture(scope="module")
def owner_short_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inputs = prepare_build(OWNER_PROFILE, None, tmp_path_factory.mktemp("short-pdf"))
    return build_artifact(inputs, "pdf", "short").path


def _text(pdf: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())


def test_short_pdf_is_one_page(owner_short_pdf: Path) -> None:
    assert owner_short_pdf.name == "Mansa_Camara_CV_short.pdf"
    assert len(PdfReader(owner_short_pdf).pages) == 1


def test_short_pdf_keeps_name_and_links(owner_short_pdf: Path) -> None:
    text = _text(owner_short_pdf)
    assert "Mansa Camara" in text
    assert "github.com/Iito" in text
    targets = {
        str(annotation.get_object()["/A"]["/URI"])
        for annotation in PdfReader(owner_short_pdf).pages[0].get("/Annots") or []
        if "/A" in annotation.get_object()
    }
    assert "https://github.com/Iito" in targets


def test_short_pdf_keeps_two_latest_roles(owner_short_pdf: Path) -> None:
    text = _text(owner_short_pdf)
    profile = load_profile(OWNER_PROFILE)
    latest = sorted(profile.work, key=lambda entry: entry.recency_key, reverse=True)[:2]
    for entry in latest:
        assert f"{entry.position} — {entry.name}" in text
        first_bullet = entry.highlights[0]
        words = (first_bullet if isinstance(first_bullet, str) else first_bullet.text).replace("*", "").split()
        assert " ".join(words[:6]) in text


def test_short_pdf_has_no_page_number(owner_short_pdf: Path) -> None:
    assert "1 / 1" not in _text(owner_short_pdf)


def test_fit_fills_the_page(owner_fit) -> None:
    _, result = owner_fit
    assert result.fill >= MIN_FILL
    assert result.fill <= 1.0


def test_fit_uses_few_layout_passes(owner_fit) -> None:
    _, result = owner_fit
    assert result.layout_passes <= 6


def test_fit_is_deterministic(owner_fit) -> None:
    inputs, first = owner_fit
    second = fit_one_page(inputs)
    assert [item.key for item in second.kept] == [item.key for item in first.kept]


def test_fit_reuses_full_layout(tmp_path: Path) -> None:
    inputs = prepare_build(OWNER_PROFILE, None, tmp_path)
    cache = RenderCache(inputs)
    cache.full_document()
    fresh = fit_one_page(inputs)
    reused = cache.fit()
    assert reused.layout_passes == fresh.layout_passes - 1
    assert [item.key for item in reused.kept] == [item.key for item in fresh.kept]


def test_every_drop_has_reason(owner_fit) -> None:
    _, result = owner_fit
    for item, reason in result.dropped:
        assert reason, item.key


def test_high_priority_outranks_normal() -> None:
    profile = load_profile(OWNER_PROFILE)
    ranked = rank_items(collect_items(profile))
    positions = {item.key: index for index, item in enumerate(ranked)}
    high = [item for item in ranked if item.priority is Priority.HIGH and not item.must_keep]
    normal = [item for item in ranked if item.priority is Priority.NORMAL and not item.must_keep]
    assert max(positions[item.key] for item in high) < min(positions[item.key] for item in normal)


def test_entry_ranks_before_its_bullets() -> None:
    profile = load_profile(OWNER_PROFILE)
    ranked = rank_items(collect_items(profile))
    positions = {item.key: index for index, item in enumerate(ranked)}
    for item in ranked:
        if item.parent is not None:
            assert positions[item.parent] < positions[item.key], item.key


def test_select_profile_leaves_original(tmp_path: Path) -> None:
    profile = load_profile(OWNER_PROFILE)
    selected = select_profile(profile, {"work[0]", "work[0].highlights[0]"})
    assert len(selected.work) == 1
    assert len(selected.work[0].highlights) == 1
    assert selected.projects == []
    assert len(profile.work) == 6
    assert selected.section_order == profile.section_order


def test_include_keeps_old_role(tmp_path: Path) -> None:
    data = generated_profile(scale=2)
    oldest = len(data["work"]) - 1
    data["work"][oldest]["short"] = "include"
    profile_path = write_profile(tmp_path, yaml.safe_dump(data, sort_keys=False))
    result = fit_one_page(prepare_build(profile_path, None, tmp_path / "out"))
    kept = {item.key for item in result.kept}
    assert f"work[{oldest}]" in kept
    assert "work[0]" in kept


def test_excluded_item_never_kept(tmp_path: Path) -> None:
    text = MINIMAL_PROFILE.replace("      - Built things.", "      - Built things.\n      - {text: Secret thing., short: exclude}")
    inputs = prepare_build(write_profile(tmp_path, text), None, tmp_path / "out")
    result = fit_one_page(inputs)
    assert "work[0].highlights[1]" not in {item.key for item in result.kept}
    assert ("work[0].highlights[1]", "marked short: exclude") in [(item.key, reason) for item, reason in result.dropped]


def test_huge_profile_fits_one_page(tmp_path: Path) -> None:
    profile_path = write_profile(tmp_path, generated_profile_yaml(scale=10))
    inputs = prepare_build(profile_path, None, tmp_path / "out")
    result = fit_one_page(inputs)
    assert len(result.document.pages) == 1
    assert result.fill >= MIN_FILL
    assert result.layout_passes <= 6


def test_impossible_profile_fails_clearly(tmp_path: Path) -> None:
    long_bullet = " ".join(["word"] * 3000)
    text = MINIMAL_PROFILE.replace("- Built things.", f"- {long_bullet}")
    profile_path = write_profile(tmp_path, text)
    output = tmp_path / "out"
    inputs = prepare_build(profile_path, None, output)
    with pytest.raises(FitError) as caught:
        fit_one_page(inputs)
    problems = caught.value.problems
    assert [problem.field for problem in problems] == ["work[0].highlights[0]"]
    assert "must stay" in problems[0].message
    assert (problems[0].line, problems[0].column) == (10, 9)


def test_impossible_profile_cli_writes_nothing(tmp_path: Path) -> None:
    long_bullet = " ".join(["word"] * 3000)
    profile_path = write_profile(tmp_path, MINIMAL_PROFILE.replace("- Built things.", f"- {long_bullet}"))
    output = tmp_path / "out"
    result = runner.invoke(app, ["pdf", "--short", "--profile", str(profile_path), "--output", str(output)])
    assert result.exit_code == 2
    assert "work[0].highlights[0]" in result.output
    assert not output.exists() or list(output.iterdir()) == []


def test_explain_lists_dropped_items(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["pdf", "--short", "--explain", "--profile", str(OWNER_PROFILE), "--output", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "dropped" in result.output
    assert "no room left on the page" in result.output


def test_short_docx_one_page_in_libreoffice(tmp_path: Path) -> None:
    inputs = prepare_build(OWNER_PROFILE, None, tmp_path / "out")
    docx_path = build_artifact(inputs, "docx", "short").path
    assert docx_path.name == "Mansa_Camara_CV_short.docx"
    converted = convert_with_libreoffice(docx_path, tmp_path)
    assert len(PdfReader(converted).pages) == 1


def test_short_docx_uses_same_selection(tmp_path: Path) -> None:
    import docx

    inputs = prepare_build(OWNER_PROFILE, None, tmp_path / "out")
    cache = RenderCache(inputs)
    docx_path = build_artifact(inputs, "docx", "short", cache).path
    text = " ".join(paragraph.text for paragraph in docx.Document(str(docx_path)).paragraphs)
    kept = {item.key for item in cache.fit().kept}
    for index, entry in enumerate(load_profile(OWNER_PROFILE).work):
        heading = f"{entry.position} — {entry.name}"
        assert (heading in text) == (f"work[{index}]" in kept), heading


def _owner_profile_with(tmp_path: Path, old: str, new: str) -> Path:
    text = OWNER_PROFILE.read_text(encoding="utf-8")
    assert old in text
    return write_profile(tmp_path, text.replace(old, new, 1))


def test_long_bullet_across_page_break(tmp_path: Path) -> None:
    """A bullet pushed to the next page must not inflate its entry's measured height."""
    long_text = " ".join(f"word{index}" for index in range(600))
    profile_path = _owner_profile_with(tmp_path, "        Designed layered", f"        {long_text} Designed layered")
    result = fit_one_page(prepare_build(profile_path, None, tmp_path / "out"))
    kept = {item.key for item in result.kept}
    assert result.fill >= MIN_FILL
    assert "education[0]" in kept
    assert "work[2].highlights[0]" in kept


def test_excluded_huge_first_bullet(tmp_path: Path) -> None:
    long_text = " ".join(f"word{index}" for index in range(1000))
    profile_path = _owner_profile_with(
        tmp_path,
        "      - text: >-\n          Delivered **~700 commits",
        f"      - text: {long_text}\n        short: exclude\n      - text: >-\n          Delivered **~700 commits",
    )
    result = fit_one_page(prepare_build(profile_path, None, tmp_path / "out"))
    kept = {item.key for item in result.kept}
    assert len(result.document.pages) == 1
    assert "work[0].highlights[0]" not in kept
    assert "work[0].highlights[1]" in kept
    assert result.fill >= MIN_FILL


def test_verbose_lists_dropped_items(tmp_path: Path) -> None:
    result = runner.invoke(app, ["-v", "pdf", "--short", "--profile", str(OWNER_PROFILE), "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert 'INFO: dropped principles[0] "Data contracts first": no room left on the page' in result.output
