"""The owner's PDF: content, order, fonts, links and length."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from cvbuild.validate import load_profile
from tests.conftest import OWNER_PROFILE, pdf_fonts

LIGATURES = re.compile("[\ufb00-\ufb06]")


@pytest.fixture(scope="module")
def owner_text(owner_pdf: Path) -> str:
    reader = PdfReader(owner_pdf)
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_holds_name_and_headline(owner_text: str) -> None:
    assert "Mansa Camara" in owner_text
    assert "Platform & ML Infrastructure Engineer" in owner_text


def test_pdf_holds_every_employer(owner_text: str) -> None:
    profile = load_profile(OWNER_PROFILE)
    for entry in profile.work:
        assert entry.name in _flat(owner_text), entry.name


def test_pdf_holds_every_product(owner_text: str) -> None:
    profile = load_profile(OWNER_PROFILE)
    assert len(profile.projects) == 4
    for project in profile.projects:
        assert project.name in owner_text, project.name


def test_pdf_holds_every_school(owner_text: str) -> None:
    profile = load_profile(OWNER_PROFILE)
    assert len(profile.education) == 3
    for entry in profile.education:
        assert entry.institution in _flat(owner_text), entry.institution


def test_pdf_holds_every_language(owner_text: str) -> None:
    for language in ("French", "English", "Japanese"):
        assert language in owner_text


def test_roles_in_reverse_chronological_order(owner_text: str) -> None:
    profile = load_profile(OWNER_PROFILE)
    flat = _flat(owner_text)
    positions = [flat.index(f"{entry.position} — {entry.name}") for entry in profile.work]
    assert positions == sorted(positions)
    starts = [entry.start_date.sort_key for entry in profile.work]
    assert starts == sorted(starts, reverse=True)


def test_role_title_employer_dates_together(owner_text: str) -> None:
    flat = _flat(owner_text)
    assert "Senior Software Engineer — Bodygram Jan 2023 – Sep 2025" in flat


def test_extracted_text_has_no_ligatures(owner_text: str) -> None:
    assert LIGATURES.search(owner_text) is None


def test_ligature_words_copy_intact(owner_text: str) -> None:
    flat = _flat(owner_text)
    assert "configuration" in flat
    assert "off-hours" in flat


def test_figures_survive_extraction(owner_text: str) -> None:
    flat = _flat(owner_text)
    for figure in ("~70%", "~8×", "4,000+", "7+", "12+", "~700 commits in 8 months", "14-month"):
        assert figure in flat, figure


def test_every_font_embedded(owner_pdf: Path) -> None:
    fonts = pdf_fonts(owner_pdf)
    assert fonts, "the PDF uses no fonts"
    for name, embedded in fonts.items():
        assert embedded, f"font {name} is not embedded"


def test_fonts_come_from_theme(owner_pdf: Path) -> None:
    fonts = pdf_fonts(owner_pdf)
    for name in fonts:
        assert "Carlito" in name, name


def test_pdf_at_most_two_pages(owner_pdf: Path) -> None:
    assert len(PdfReader(owner_pdf).pages) <= 2


def test_pdf_page_size_is_a4(owner_pdf: Path) -> None:
    for page in PdfReader(owner_pdf).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595.28) < 1
        assert abs(height - 841.89) < 1


def test_links_are_clickable(owner_pdf: Path) -> None:
    targets = set()
    for page in PdfReader(owner_pdf).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                targets.add(str(action["/URI"]))
    assert "https://github.com/Iito" in targets
    assert "https://lmparley.com" in targets
    assert "https://pypi.org/project/fastmodel" in targets


def test_pdf_metadata(owner_pdf: Path) -> None:
    metadata = PdfReader(owner_pdf).metadata
    assert metadata.title == "Mansa Camara - CV"
    assert metadata.author == "Mansa Camara"
    assert metadata.subject == "Platform & ML Infrastructure Engineer"


def test_sections_are_bookmarked(owner_pdf: Path) -> None:
    titles = [item.title for item in PdfReader(owner_pdf).outline if not isinstance(item, list)]
    assert titles == ["Key figures", "Skills", "Experience", "Projects", "Education", "Languages",
                      "Engineering principles"]
