"""The Word document: structure, styles, links, metadata and agreement with the PDF.

The owner's profile is built once per module through the real CLI, as both
DOCX and PDF, and read back with python-docx and pypdf. The LibreOffice test
lays the DOCX out with soffice, so it needs LibreOffice and the Carlito font.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader
from typer.testing import CliRunner

from cvbuild.build import prepare_build
from cvbuild.cli import app
from cvbuild.markup import plain_text
from cvbuild.render.docx import _join_keywords, _normalise_zip, render_docx
from cvbuild.render.view import build_document_view
from cvbuild.theme import PAGE_SIZES, load_theme
from tests.conftest import convert_with_libreoffice

REPOSITORY = Path(__file__).resolve().parents[1]
PROFILE = REPOSITORY / "data" / "profile.yaml"
DOCX_NAME = "Mansa_Camara_CV.docx"
PDF_NAME = "Mansa_Camara_CV.pdf"
# Lengths in a DOCX are stored in twentieths of a point, so a token in
# millimetres comes back within half a twip.
LENGTH_TOLERANCE_EMU = Pt(0.05)


@dataclass(frozen=True)
class Built:
    docx_path: Path
    pdf_path: Path


def _run_cli(*arguments: str) -> None:
    result = CliRunner().invoke(app, list(arguments))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("output")
    _run_cli("docx", "--profile", str(PROFILE), "--output", str(folder))
    _run_cli("pdf", "--profile", str(PROFILE), "--output", str(folder))
    return Built(folder / DOCX_NAME, folder / PDF_NAME)


@pytest.fixture(scope="module")
def document(built: Built) -> WordDocument:
    return docx.Document(str(built.docx_path))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory):
    return prepare_build(PROFILE, None, tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def tokens():
    return load_theme("classic").tokens


def _paragraphs_in_style(document: WordDocument, style_name: str) -> list:
    return [paragraph for paragraph in document.paragraphs if paragraph.style.name == style_name]


def _external_targets(document: WordDocument) -> set[str]:
    return {
        relationship.target_ref
        for relationship in document.part.rels.values()
        if relationship.reltype == RT.HYPERLINK and relationship.is_external
    }


# Structure and styles ------------------------------------------------------


def test_name_title_style(document: WordDocument) -> None:
    first = document.paragraphs[0]
    assert first.style.name == "Title"
    assert first.text == "Mansa Camara"


def test_section_titles_heading_1(document: WordDocument, inputs) -> None:
    view = build_document_view(inputs.profile)
    headings = [paragraph.text for paragraph in _paragraphs_in_style(document, "Heading 1")]
    assert headings == [section.title for section in view.sections]


def test_heading_style_theme_tokens(document: WordDocument, tokens) -> None:
    heading = document.styles["Heading 1"]
    fonts = heading.element.rPr.rFonts
    assert heading.font.all_caps is True
    assert heading.font.bold is True
    assert str(heading.font.color.rgb) == tokens.colours.accent.removeprefix("#").upper()
    assert heading.font.size == Pt(tokens.sizes.section_title)
    assert heading.paragraph_format.keep_with_next is True
    assert heading.element.pPr.find(qn("w:pBdr")) is not None
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(attribute)) == tokens.fonts.docx_family
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        assert fonts.get(qn(attribute)) is None


def test_styles_theme_font(document: WordDocument, tokens) -> None:
    for name in ("Normal", "Title", "Subtitle", "Heading 1", "List Bullet", "Entry Title", "Entry Details"):
        assert document.styles[name].font.name == tokens.fonts.docx_family, name


def test_entry_lines_custom_styles(document: WordDocument, inputs) -> None:
    view = build_document_view(inputs.profile)
    entries = [entry for section in view.sections for entry in section.entries]
    titles = _paragraphs_in_style(document, "Entry Title")
    details = _paragraphs_in_style(document, "Entry Details")
    assert len(titles) == len(entries)
    assert len(details) == sum(1 for entry in entries if entry.details)
    assert document.styles["Entry Title"].paragraph_format.keep_with_next is True
    assert document.styles["Entry Details"].paragraph_format.keep_with_next is True


def test_entry_dates_right_tab(document: WordDocument, tokens) -> None:
    text_width = tokens.page.width - tokens.page.margins.left - tokens.page.margins.right
    stops = list(document.styles["Entry Title"].paragraph_format.tab_stops)
    first = _paragraphs_in_style(document, "Entry Title")[0]
    assert len(stops) == 1
    assert stops[0].alignment == docx.enum.text.WD_TAB_ALIGNMENT.RIGHT
    assert abs(stops[0].position - Pt(text_width)) <= LENGTH_TOLERANCE_EMU
    assert first.text.endswith("\tOct 2025 – Present")


def test_bullets_list_bullet_style(document: WordDocument, inputs) -> None:
    view = build_document_view(inputs.profile)
    bullets = [bullet for section in view.sections for entry in section.entries for bullet in entry.bullets]
    paragraphs = _paragraphs_in_style(document, "List Bullet")
    assert [paragraph.text for paragraph in paragraphs] == [plain_text(bullet.text) for bullet in bullets]


def test_bullets_no_typed_glyph(document: WordDocument) -> None:
    for paragraph in document.paragraphs:
        assert "•" not in paragraph.text, paragraph.text


def test_bullets_word_numbering(document: WordDocument) -> None:
    numbering_properties = document.styles["List Bullet"].element.pPr.numPr
    assert numbering_properties is not None
    number_id = numbering_properties.numId.val
    numbering = document.part.numbering_part.element
    number = next(item for item in numbering.num_lst if item.numId == number_id)
    abstract_id = number.abstractNumId.val
    abstract = next(
        item for item in numbering.findall(qn("w:abstractNum")) if item.get(qn("w:abstractNumId")) == str(abstract_id)
    )
    assert abstract.find(f"{qn('w:lvl')}/{qn('w:numFmt')}").get(qn("w:val")) == "bullet"


def test_document_no_tables(document: WordDocument) -> None:
    assert document.tables == []


def test_document_no_text_boxes(built: Built) -> None:
    with zipfile.ZipFile(built.docx_path) as package:
        body = package.read("word/document.xml").decode("utf-8")
    assert "txbxContent" not in body
    assert "<w:drawing" not in body


# Inline markup and links ---------------------------------------------------


def test_markup_bold_run(document: WordDocument) -> None:
    bold = [run.text for paragraph in document.paragraphs for run in paragraph.runs if run.bold]
    assert "~700 commits in 8 months" in bold


def test_markup_code_shaded(document: WordDocument, tokens) -> None:
    code = [
        run
        for paragraph in _paragraphs_in_style(document, "List Bullet")
        for run in paragraph.runs
        if run.text == "helm unittest"
    ]
    assert len(code) == 1
    shading = code[0]._r.rPr.find(qn("w:shd"))
    assert shading is not None
    assert shading.get(qn("w:fill")) == tokens.colours.code_background.removeprefix("#").upper()


def test_hyperlinks_external_targets(document: WordDocument, inputs) -> None:
    targets = _external_targets(document)
    profile_urls = {social.url for social in inputs.profile.basics.profiles}
    project_urls = {project.url for project in inputs.profile.projects if project.url}
    assert "https://github.com/Iito" in targets
    assert profile_urls <= targets
    assert project_urls <= targets


def test_hyperlinks_real_elements(document: WordDocument) -> None:
    links = [link for paragraph in document.paragraphs for link in paragraph.hyperlinks]
    addresses = {link.address for link in links}
    assert "https://github.com/Iito" in addresses
    assert all(run.style.name == "Hyperlink" for link in links for run in link.runs)


# Page, footer and properties -----------------------------------------------


def test_page_size_a4(document: WordDocument) -> None:
    width, height = PAGE_SIZES["A4"]
    section = document.sections[0]
    assert abs(section.page_width - Pt(width)) <= LENGTH_TOLERANCE_EMU
    assert abs(section.page_height - Pt(height)) <= LENGTH_TOLERANCE_EMU


def test_page_margins_tokens(document: WordDocument, tokens) -> None:
    section = document.sections[0]
    margins = tokens.page.margins
    assert abs(section.top_margin - Pt(margins.top)) <= LENGTH_TOLERANCE_EMU
    assert abs(section.right_margin - Pt(margins.right)) <= LENGTH_TOLERANCE_EMU
    assert abs(section.bottom_margin - Pt(margins.bottom)) <= LENGTH_TOLERANCE_EMU
    assert abs(section.left_margin - Pt(margins.left)) <= LENGTH_TOLERANCE_EMU


def test_footer_page_fields(document: WordDocument) -> None:
    section = document.sections[0]
    footer = section.footer._element.xml
    assert section.different_first_page_header_footer is True
    assert 'w:instr=" PAGE "' in footer
    assert 'w:instr=" NUMPAGES "' in footer
    assert section.first_page_footer.paragraphs[0].text == ""


def test_core_properties_profile(document: WordDocument, inputs) -> None:
    properties = document.core_properties
    keywords = [keyword for group in inputs.profile.skills for keyword in group.keywords][:12]
    assert properties.title == "Mansa Camara - CV"
    assert properties.author == "Mansa Camara"
    assert properties.last_modified_by == "Mansa Camara"
    assert properties.subject == "Platform & ML Infrastructure Engineer"
    assert properties.keywords == ", ".join(keywords)
    assert properties.language == "en"


def test_default_language_locale(document: WordDocument) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "en"


def test_source_date_epoch_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _run_cli("docx", "--profile", str(PROFILE), "--output", str(tmp_path / "first"))
    _run_cli("docx", "--profile", str(PROFILE), "--output", str(tmp_path / "second"))
    first = (tmp_path / "first" / DOCX_NAME).read_bytes()
    second = (tmp_path / "second" / DOCX_NAME).read_bytes()
    created = docx.Document(io.BytesIO(first)).core_properties.created
    assert first == second
    assert int(created.timestamp()) == 1700000000


def test_normalise_zip_clamps_epoch(built: Built) -> None:
    normalised = _normalise_zip(built.docx_path.read_bytes(), 0)
    with zipfile.ZipFile(io.BytesIO(normalised)) as package:
        infos = package.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o644}


# Variants ------------------------------------------------------------------


def test_short_variant_given_profile(inputs) -> None:
    selection = inputs.profile.model_copy(update={"work": inputs.profile.work[:1]})
    content, pages = render_docx(inputs, "short", profile=selection)
    document = docx.Document(io.BytesIO(content))
    work_titles = [
        paragraph.text for paragraph in _paragraphs_in_style(document, "Entry Title") if "Engineer —" in paragraph.text
    ]
    assert pages is None
    assert work_titles == ["Senior Platform Engineer — JAPAN AI\tOct 2025 – Present"]


def test_short_variant_tightening_floors(inputs) -> None:
    floors = inputs.theme.tokens.short
    content, _pages = render_docx(inputs, "short", profile=inputs.profile, tightening=1.0)
    document = docx.Document(io.BytesIO(content))
    section = document.sections[0]
    assert document.styles["Normal"].font.size == Pt(floors.min_body)
    assert abs(section.left_margin - Pt(floors.min_margin)) <= LENGTH_TOLERANCE_EMU
    assert abs(section.top_margin - Pt(floors.min_margin)) <= LENGTH_TOLERANCE_EMU
    assert section.footer.is_linked_to_previous is True


def test_short_variant_without_selection_warns(inputs, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="cvbuild.render.docx"):
        content, _pages = render_docx(inputs, "short")
    document = docx.Document(io.BytesIO(content))
    entries = [entry for section in build_document_view(inputs.profile).sections for entry in section.entries]
    assert "one-page selection" in caplog.text
    assert len(_paragraphs_in_style(document, "Entry Title")) == len(entries)


def test_japanese_locale_east_asian_lang(inputs) -> None:
    settings = inputs.profile.settings.model_copy(update={"locale": "ja"})
    japanese = inputs.profile.model_copy(update={"settings": settings})
    content, _pages = render_docx(inputs, "full", profile=japanese)
    document = docx.Document(io.BytesIO(content))
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "ja"
    assert lang.get(qn("w:eastAsia")) == "ja"
    assert document.core_properties.language == "ja"
    assert _paragraphs_in_style(document, "Heading 1")[0].text == build_document_view(japanese).sections[0].title


def test_keywords_property_limit() -> None:
    keywords = [f"keyword-{index:03d}-" + "x" * 40 for index in range(12)]
    joined = _join_keywords(keywords)
    assert len(joined) <= 255
    assert joined.split(", ") == keywords[: len(joined.split(", "))]
    assert joined.split(", ")[-1] in keywords


def test_unknown_variant_raises(inputs) -> None:
    with pytest.raises(ValueError, match="unknown variant"):
        render_docx(inputs, "poster")  # type: ignore[arg-type]


# Agreement with the PDF ------------------------------------------------------

# Markers that WeasyPrint draws as text but the DOCX draws as list numbering.
_LIST_MARKERS = re.compile(r"•")
# A line that ends in a word and a hyphen, broken by the PDF's line wrap,
# continues the same word ("cloud-\nnative" is "cloud-native"). A source
# text with "word- word" broken exactly there would be joined wrongly.
_HYPHEN_LINE_BREAK = re.compile(r"(?<=\w-)\n(?=\w)")


def _pdf_words(path: Path, running_name: str) -> list[str]:
    """Words of the PDF in reading order, without list markers, page numbers and the running name."""
    reader = PdfReader(str(path))
    page_count = len(reader.pages)
    pages = []
    for number, page in enumerate(reader.pages, start=1):
        text = _LIST_MARKERS.sub(" ", page.extract_text()).strip()
        footer = f"{number} / {page_count}"
        if number > 1:
            # The page margins (number and running name) extract at the end with
            # pypdf, since PDF/UA marks them as artifacts outside the reading order.
            assert text.endswith(footer), f"page {number} does not end with its number"
            text = text[: -len(footer)].rstrip()
            assert text.endswith(running_name), f"page {number} lacks the running name"
            text = text[: -len(running_name)]
        pages.append(text)
    text = _HYPHEN_LINE_BREAK.sub("", "\n".join(pages))
    return [word.casefold() for word in text.split()]


def _docx_words(document: WordDocument) -> list[str]:
    """Words of the DOCX body in order; section titles are compared case-blind, as the PDF prints capitals."""
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    return [word.casefold() for word in text.split()]


def _first_difference(expected: list[str], found: list[str]) -> str:
    """Describe where the DOCX words first depart from the PDF words, with the words before it."""
    matcher = difflib.SequenceMatcher(a=expected, b=found, autojunk=False)
    for tag, start, _end, found_start, _found_end in matcher.get_opcodes():
        if tag != "equal":
            context = " ".join(expected[max(0, start - 8):start])
            pdf_next = " ".join(expected[start:start + 5])
            docx_next = " ".join(found[found_start:found_start + 5])
            return f"after '{context}' the PDF continues '{pdf_next}' but the DOCX '{docx_next}'"
    return "the word lists are equal"


def test_words_match_pdf_order(built: Built, document: WordDocument, inputs) -> None:
    pdf_words = _pdf_words(built.pdf_path, inputs.profile.basics.name)
    docx_words = _docx_words(document)
    assert len(pdf_words) > 500
    assert docx_words == pdf_words, _first_difference(pdf_words, docx_words)


def test_running_name_in_header(document: WordDocument, inputs) -> None:
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert section.header.paragraphs[0].text == inputs.profile.basics.name
    assert section.first_page_header.paragraphs[0].text == ""


def test_words_include_profile_summary(document: WordDocument, inputs) -> None:
    summary = plain_text(inputs.profile.basics.summary)
    assert summary in [paragraph.text for paragraph in document.paragraphs]


# Layout in LibreOffice -----------------------------------------------------


def test_libreoffice_two_pages(built: Built, tmp_path: Path) -> None:
    converted = convert_with_libreoffice(built.docx_path, tmp_path)
    assert len(PdfReader(str(converted)).pages) <= 2
