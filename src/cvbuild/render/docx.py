"""Write the résumé as a Word document (.docx) with python-docx.

The DOCX draws the same ``DocumentView`` as the HTML template, so the PDF
and the Word document print the same words in the same order, separators
included. The theme's tokens become Word styles: the name is in "Title",
section titles in "Heading 1", bullets in "List Bullet" (a real Word list),
and entry lines in the custom styles "Entry Title" and "Entry Details".
A reader who edits the file in Word changes a style, not scattered
formatting.

The layout deliberately avoids tables and text boxes, which
applicant-tracking systems often read out of order: dates sit on a
right-aligned tab stop and the key figures on centred tab stops.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import itertools
import logging
import os
import re
import weakref
import zipfile
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from cvbuild.markup import parse_inline
from cvbuild.render.view import ContactItem, EntryView, HeaderView, LabelledItem, SectionView, build_document_view

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.oxml.text.font import CT_RPr
    from docx.section import Section
    from docx.styles.style import CharacterStyle, ParagraphStyle
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run as WordRun
    from lxml.etree import _Element

    from cvbuild.build import BuildInputs, Variant
    from cvbuild.model import Profile
    from cvbuild.theme import ThemeTokens

logger = logging.getLogger(__name__)

# Style names. Word translates the built-in names in its interface, and
# the custom ones are added when the template lacks them.
TITLE_STYLE = "Title"
HEADLINE_STYLE = "Subtitle"
SECTION_STYLE = "Heading 1"
BODY_STYLE = "Normal"
BULLET_STYLE = "List Bullet"
FOOTER_STYLE = "Footer"
CONTACT_STYLE = "Contact"
ENTRY_TITLE_STYLE = "Entry Title"
ENTRY_DETAILS_STYLE = "Entry Details"
KEY_FIGURES_STYLE = "Key Figures"
DATES_STYLE = "Entry Dates"
HYPERLINK_STYLE = "Hyperlink"
# Styles that Word defines itself. One added here is marked built-in, not custom.
_BUILTIN_STYLES = frozenset(
    {TITLE_STYLE, HEADLINE_STYLE, SECTION_STYLE, BODY_STYLE, BULLET_STYLE, FOOTER_STYLE, HYPERLINK_STYLE}
)

# Fixed measures of the classic stylesheet (themes/classic/style.css) that
# are not theme tokens, in points unless named otherwise.
NAME_LINE_HEIGHT = 1.1
HEADLINE_GAP = 2.0
CONTACT_GAP = 4.0
HEADER_SUMMARY_GAP = 6.0
SECTION_TITLE_GAP_AFTER = 4.0
SECTION_RULE_PADDING = 1.5
SECTION_LETTER_SPACING_EM = 0.06
ENTRY_SUMMARY_GAP = 1.5
BULLET_LIST_GAP = 2.0
# Advance width of "• " in Carlito Regular (0.498 em + 0.226 em), measured with fontTools.
BULLET_MARKER_WIDTH_EM = 0.724
KEY_FIGURE_GAP = 8.0
# Fixed measures of the modern stylesheet (themes/modern/style.css). They
# apply only when a theme sets the section marker or the header band.
SECTION_MARKER_GAP = 5.0
HEADER_BAND_PADDING_BOTTOM = 8.0
# The PDF's header band reaches the page's edges. A Word paragraph border is
# at most 31pt from the text, so the DOCX band is the text column widened by
# this much at the top and sides.
HEADER_BAND_PADDING = 6.0

SEPARATOR = " · "
TITLE_SEPARATOR = " — "
BULLET_GLYPH = "•"

# python-docx 1.2 raises ValueError for a text core property longer than this.
CORE_PROPERTY_MAX_LENGTH = 255
KEYWORD_COUNT = 12
# Key figures per line. More would crowd the centred tab stops on A4 (an estimate, not measured).
KEY_FIGURES_PER_LINE = 4
# Languages whose text Word lays out with its East Asian font and language settings.
EAST_ASIAN_LANGUAGES = ("ja", "zh", "ko")

# Zip timestamps cannot represent dates before 1980 (the MS-DOS epoch).
ZIP_EARLIEST = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)
ZIP_LATEST = dt.datetime(2107, 12, 31, 23, 59, 58, tzinfo=dt.timezone.utc)
# The last second that Python's datetime, and so a core property date, can hold.
LATEST_EPOCH = int(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc).timestamp())
ZIP_FILE_MODE = 0o644
ZIP_UNIX_SYSTEM = 3
CONTENT_TYPES_PART = "[Content_Types].xml"

_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_FONT_ATTRIBUTES = ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")
# Children of w:pPr and w:rPr that the WordprocessingML schema places after
# w:pBdr, w:spacing and w:lang. Word may refuse a file whose children are
# out of schema order.
_PPR_AFTER_BORDER = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
    "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)
_RPR_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr",
    "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
    "w:specVanish", "w:oMath",
)
_RPR_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


def render_docx(
    inputs: BuildInputs,
    variant: Variant,
    *,
    profile: Profile | None = None,
    tightening: float = 0.0,
) -> tuple[bytes, int | None]:
    """Render the Word document of ``variant`` and return its bytes with ``None`` for the page count.

    python-docx does not lay pages out, so the page count is unknown. The
    "short" variant draws ``profile`` as given, so the one-page fitter can
    pass its selection, and ``tightening`` (0 to 1) moves sizes, gaps and
    margins toward the theme's one-page floors as the short PDF does.
    Without a selection the whole profile is drawn.
    """
    if variant not in ("full", "short"):
        raise ValueError(f'unknown variant "{variant}": pass "full" or "short"')
    chosen = profile if profile is not None else inputs.profile
    if variant == "short" and profile is None:
        # NOTE: without a fitted profile the short DOCX equals the full one.
        logger.warning("no one-page selection was given, so the short DOCX contains the whole profile")

    tokens = inputs.theme.tokens.tightened(tightening)
    view = build_document_view(chosen)
    locale = chosen.settings.locale.replace("_", "-")
    epoch = _source_date_epoch()

    document = Document()
    _set_up_page(document.sections[0], tokens)
    _define_styles(document, tokens, locale)
    _write_header(document, view.header, tokens)
    for section in view.sections:
        _write_section(document, section, tokens)
    if variant == "full":
        # The one-page PDF prints no page number or running name, so the short DOCX has neither.
        _write_page_numbers(document.sections[0])
        _write_running_name(document.sections[0], view.header.name)
    _set_core_properties(document, chosen, locale, epoch)

    content = _save(document)
    if epoch is not None:
        content = _normalise_zip(content, epoch)
    logger.debug("docx: %d sections, %d bytes", len(view.sections), len(content))
    return content, None


# Page and styles -----------------------------------------------------------


def _set_up_page(section: Section, tokens: ThemeTokens) -> None:
    """Apply the theme's paper size and margins, replacing the US Letter page of python-docx's template."""
    page, margins = tokens.page, tokens.page.margins
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Pt(page.width)
    section.page_height = Pt(page.height)
    section.top_margin = Pt(margins.top)
    section.right_margin = Pt(margins.right)
    section.bottom_margin = Pt(margins.bottom)
    section.left_margin = Pt(margins.left)
    section.gutter = Pt(0)
    # The PDF centres the page number in the bottom margin. A footer line at
    # the same height fits inside the margin, so the body keeps its height.
    footer_line = tokens.sizes.small * tokens.spacing.line_height
    section.footer_distance = Pt(max(0.0, (margins.bottom - footer_line) / 2))
    section.header_distance = Pt(margins.top / 2)


def _text_width(tokens: ThemeTokens) -> float:
    """Return the width between the side margins, in points."""
    return tokens.page.width - tokens.page.margins.left - tokens.page.margins.right


def _define_styles(document: WordDocument, tokens: ThemeTokens, locale: str) -> None:
    """Restyle the built-in styles the résumé uses and add the custom ones."""
    _set_document_defaults(document, tokens, locale)
    _define_body_style(document, tokens)
    _define_header_styles(document, tokens)
    _define_section_style(document, tokens)
    _define_entry_styles(document, tokens)
    _define_bullet_style(document, tokens)
    _define_key_figures_style(document, tokens)
    _define_footer_style(document, tokens)
    _define_hyperlink_style(document, tokens)


# Style ids by name, per document part. python-docx 1.2 scans every style of
# its template (164 of them) on each style assignment, by name or by object,
# which took most of a DOCX's render time; setting the id on the element
# after one lookup per document skips that.
_STYLE_IDS: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def _style_id(part: Any, name: str) -> str:
    """Return the id of the style ``name`` in the document that ``part`` belongs to."""
    ids = _STYLE_IDS.setdefault(part, {})
    if name not in ids:
        ids[name] = part.document.styles[name].style_id
    return ids[name]


def _add_paragraph(document: WordDocument, style: str, text: str = "") -> Paragraph:
    """Append a paragraph in the style named ``style``."""
    paragraph = document.add_paragraph(text)
    paragraph._p.style = _style_id(document.part, style)
    return paragraph


def _add_styled_run(paragraph: Paragraph, text: str, style: str) -> WordRun:
    """Append a run in the character style named ``style``."""
    run = paragraph.add_run(text)
    run._r.style = _style_id(paragraph.part, style)
    return run


def _paragraph_style(document: WordDocument, name: str) -> ParagraphStyle:
    """Return the paragraph style ``name``, adding it when the template lacks it."""
    if name in document.styles:
        return document.styles[name]
    logger.debug("adding paragraph style %s", name)
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH, builtin=name in _BUILTIN_STYLES)
    if name != BODY_STYLE:
        style.base_style = document.styles[BODY_STYLE]
    style.quick_style = True
    return style


def _character_style(document: WordDocument, name: str) -> CharacterStyle:
    """Return the character style ``name``, adding it when the template lacks it."""
    if name in document.styles:
        return document.styles[name]
    logger.debug("adding character style %s", name)
    style = document.styles.add_style(name, WD_STYLE_TYPE.CHARACTER, builtin=name in _BUILTIN_STYLES)
    style.quick_style = True
    return style


def _reset_style(style: CharacterStyle) -> None:
    """Drop a built-in style's own formatting, so only the theme's remains.

    The template's Title, Subtitle and Heading styles carry theme fonts,
    theme colours, borders and numbering that the résumé must not inherit.
    """
    element = style.element
    for tag in ("w:pPr", "w:rPr"):
        for child in element.findall(qn(tag)):
            element.remove(child)


def _set_font_family(run_properties: CT_RPr, family: str) -> None:
    """Name ``family`` for every script and drop theme fonts, which Word would show instead."""
    fonts = run_properties.get_or_add_rFonts()
    for attribute in _THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    for attribute in _FONT_ATTRIBUTES:
        fonts.set(qn(attribute), family)


def _rgb(colour: str) -> RGBColor:
    """Convert a theme colour (``#rrggbb``) to python-docx's colour."""
    return RGBColor.from_string(colour.removeprefix("#").upper())


def _set_lang(run_properties: CT_RPr, locale: str) -> None:
    """Tag text with ``locale`` so Word checks spelling in the profile's language."""
    lang = run_properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_properties.insert_element_before(lang, *_RPR_AFTER_LANG)
    lang.set(qn("w:val"), locale)
    if locale.split("-")[0].lower() in EAST_ASIAN_LANGUAGES:
        lang.set(qn("w:eastAsia"), locale)


def _set_document_defaults(document: WordDocument, tokens: ThemeTokens, locale: str) -> None:
    """Set the font, size, language and spacing every style starts from.

    The template's defaults use theme fonts, 11pt text and 10pt of space after
    each paragraph. The résumé's spacing comes from its own styles instead.
    """
    styles_element = document.styles.element
    run_defaults = styles_element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_font_family(run_defaults, tokens.fonts.docx_family)
    run_defaults.get_or_add_sz().val = Pt(tokens.sizes.body)
    complex_script_size = run_defaults.find(qn("w:szCs"))
    if complex_script_size is not None:
        complex_script_size.set(qn("w:val"), str(round(tokens.sizes.body * 2)))
    _set_lang(run_defaults, locale)

    paragraph_defaults = styles_element.find(qn("w:docDefaults")).find(qn("w:pPrDefault"))
    spacing = paragraph_defaults.find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:
        spacing.set(qn("w:after"), "0")

    for style in document.styles:
        run_properties = style.element.rPr
        if run_properties is not None and run_properties.rFonts is not None:
            _set_font_family(run_properties, tokens.fonts.docx_family)


def _apply_text_format(
    style: CharacterStyle,
    tokens: ThemeTokens,
    size: float,
    colour: str,
    *,
    bold: bool | None = None,
    line_height: float | None = None,
) -> None:
    """Give ``style`` the theme's font, a size and a colour, and for paragraph styles an exact line height.

    CSS line height is a multiple of the font size, while Word's "multiple"
    spacing is a multiple of the font's own line height (1.22 em for Carlito,
    from its hhea table). An exact line height in points reproduces the CSS one.
    """
    _set_font_family(style.element.get_or_add_rPr(), tokens.fonts.docx_family)
    style.font.size = Pt(size)
    style.font.color.rgb = _rgb(colour)
    if bold is not None:
        style.font.bold = bold
    if line_height is not None:
        style.paragraph_format.line_spacing = Pt(round(size * line_height, 2))


def _define_body_style(document: WordDocument, tokens: ThemeTokens) -> None:
    style = _paragraph_style(document, BODY_STYLE)
    _apply_text_format(style, tokens, tokens.sizes.body, tokens.colours.text, line_height=tokens.spacing.line_height)
    paragraph = style.paragraph_format
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(0)
    paragraph.widow_control = True


def _define_header_styles(document: WordDocument, tokens: ThemeTokens) -> None:
    """Style the name (Title), the headline (Subtitle) and the contact line."""
    sizes, colours, line_height = tokens.sizes, tokens.colours, tokens.spacing.line_height

    title = _paragraph_style(document, TITLE_STYLE)
    _reset_style(title)
    _apply_text_format(title, tokens, sizes.name, colours.name_or_accent, bold=True, line_height=NAME_LINE_HEIGHT)
    title.paragraph_format.space_before = Pt(0)
    title.paragraph_format.space_after = Pt(0)
    title.paragraph_format.keep_with_next = True

    headline = _paragraph_style(document, HEADLINE_STYLE)
    _reset_style(headline)
    _apply_text_format(
        headline, tokens, sizes.headline, colours.headline_or_text, bold=False, line_height=line_height
    )
    headline.font.italic = False
    headline.paragraph_format.space_before = Pt(HEADLINE_GAP)
    headline.paragraph_format.space_after = Pt(0)
    headline.paragraph_format.keep_with_next = True

    contact = _paragraph_style(document, CONTACT_STYLE)
    _apply_text_format(contact, tokens, sizes.small, colours.muted, line_height=line_height)
    contact.paragraph_format.space_before = Pt(CONTACT_GAP)

    _set_header_band(tokens, (title, headline, contact))
    for style in (title, headline):
        _copy_to_linked_character_style(document, style)


def _set_header_band(tokens: ThemeTokens, styles: Sequence[ParagraphStyle]) -> None:
    """Draw the theme's header band and header rule around the name, headline and contact line.

    The three styles get identical borders, so Word and LibreOffice draw
    them as one bordered block: the band's fill with its padding, and the
    accent rule once, under the last of them.
    """
    colours, rule = tokens.colours, tokens.rules.header
    borders: dict[str, tuple[str, float, float]] = {}
    if colours.header_band is not None:
        for side in ("top", "left", "right"):
            borders[side] = (colours.header_band, 0.25, HEADER_BAND_PADDING)
        borders["bottom"] = (colours.header_band, 0.25, HEADER_BAND_PADDING_BOTTOM)
    if rule > 0:
        borders["bottom"] = (colours.accent, rule, HEADER_BAND_PADDING_BOTTOM)
    for style in styles:
        _set_borders(style, borders)
        if colours.header_band is not None:
            _set_shading(style, colours.header_band)


def _copy_to_linked_character_style(document: WordDocument, style: ParagraphStyle) -> None:
    """Give a paragraph style's linked character style ("Title Char") the same run formatting.

    Word applies the linked style when a user gives the paragraph style to
    part of a paragraph, and its template formatting would bring back theme fonts.
    """
    link = style.element.find(qn("w:link"))
    if link is None:
        return
    linked_id = link.get(qn("w:val"))
    linked = next((candidate for candidate in document.styles if candidate.style_id == linked_id), None)
    if linked is None or style.element.rPr is None:
        return
    for child in linked.element.findall(qn("w:rPr")):
        linked.element.remove(child)
    linked.element.append(copy.deepcopy(style.element.rPr))


def _define_section_style(document: WordDocument, tokens: ThemeTokens) -> None:
    """Style Heading 1 like the PDF's section titles: capitals, accent colour, a rule below."""
    sizes, colours = tokens.sizes, tokens.colours
    heading = _paragraph_style(document, SECTION_STYLE)
    _reset_style(heading)
    _apply_text_format(
        heading, tokens, sizes.section_title, colours.accent, bold=True, line_height=tokens.spacing.line_height
    )
    heading.font.all_caps = True
    _set_letter_spacing(heading.element.get_or_add_rPr(), sizes.section_title * SECTION_LETTER_SPACING_EM)

    paragraph = heading.paragraph_format
    paragraph.space_before = Pt(tokens.spacing.section_gap)
    paragraph.space_after = Pt(SECTION_TITLE_GAP_AFTER)
    paragraph.keep_with_next = True
    paragraph.keep_together = True
    heading.element.get_or_add_pPr().get_or_add_outlineLvl().val = 0
    borders: dict[str, tuple[str, float, float]] = {}
    if tokens.rules.section > 0:
        borders["bottom"] = (colours.rule, tokens.rules.section, SECTION_RULE_PADDING)
    if tokens.rules.section_marker > 0:
        # Word draws a left border in the margin, so the marker hangs there as in the PDF.
        borders["left"] = (colours.accent, tokens.rules.section_marker, SECTION_MARKER_GAP)
    _set_borders(heading, borders)
    _copy_to_linked_character_style(document, heading)


def _set_letter_spacing(run_properties: CT_RPr, points: float) -> None:
    """Widen the space between letters as CSS letter-spacing does, in Word's twentieths of a point."""
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(round(points * 20)))
    run_properties.insert_element_before(spacing, *_RPR_AFTER_SPACING)


def _set_borders(style: ParagraphStyle, borders: dict[str, tuple[str, float, float]]) -> None:
    """Draw lines around the paragraph: ``side`` maps to ``(colour, width, padding)``, all in points.

    Word counts a border's width in eighths of a point and its gap to the
    text in whole points. Without ``borders`` the style keeps no border.
    """
    properties = style.element.get_or_add_pPr()
    for existing in properties.findall(qn("w:pBdr")):
        properties.remove(existing)
    if not borders:
        return
    border = OxmlElement("w:pBdr")
    # The schema orders the sides top, left, bottom, right.
    for side in ("top", "left", "bottom", "right"):
        if side not in borders:
            continue
        colour, width, padding = borders[side]
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), str(max(2, round(width * 8))))
        line.set(qn("w:space"), str(round(padding)))
        line.set(qn("w:color"), colour.removeprefix("#").upper())
        border.append(line)
    properties.insert_element_before(border, *_PPR_AFTER_BORDER)


def _set_shading(style: ParagraphStyle, colour: str) -> None:
    """Fill the paragraph, out to its borders, with ``colour``."""
    properties = style.element.get_or_add_pPr()
    for existing in properties.findall(qn("w:shd")):
        properties.remove(existing)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.removeprefix("#").upper())
    properties.insert_element_before(shading, *_PPR_AFTER_BORDER[1:])


def _define_entry_styles(document: WordDocument, tokens: ThemeTokens) -> None:
    """Add the styles of an entry's first two lines and of its dates."""
    sizes, colours, line_height = tokens.sizes, tokens.colours, tokens.spacing.line_height

    title = _paragraph_style(document, ENTRY_TITLE_STYLE)
    _apply_text_format(title, tokens, sizes.entry_title, colours.text, line_height=line_height)
    title.paragraph_format.space_before = Pt(tokens.spacing.entry_gap)
    title.paragraph_format.keep_with_next = True
    title.paragraph_format.tab_stops.add_tab_stop(Pt(_text_width(tokens)), WD_TAB_ALIGNMENT.RIGHT)

    details = _paragraph_style(document, ENTRY_DETAILS_STYLE)
    _apply_text_format(details, tokens, sizes.small, colours.muted, line_height=line_height)
    details.paragraph_format.keep_with_next = True

    dates = _character_style(document, DATES_STYLE)
    _apply_text_format(dates, tokens, sizes.small, colours.muted)


def _define_bullet_style(document: WordDocument, tokens: ThemeTokens) -> None:
    """Make List Bullet a real Word list with the PDF's indent, marker colour and gaps."""
    indent = tokens.spacing.bullet_indent
    # The PDF hangs its marker "• " outside the text, so the marker starts
    # that width before the text.
    hanging = min(indent, BULLET_MARKER_WIDTH_EM * tokens.sizes.body)
    bullets = _paragraph_style(document, BULLET_STYLE)
    _reset_style(bullets)
    _apply_text_format(
        bullets, tokens, tokens.sizes.body, tokens.colours.text, line_height=tokens.spacing.line_height
    )
    numbering_id = _add_bullet_numbering(document, tokens, bullets.style_id, indent, hanging)

    properties = bullets.element.get_or_add_pPr()
    numbering = properties.get_or_add_numPr()
    numbering.get_or_add_ilvl().val = 0
    numbering.get_or_add_numId().val = numbering_id
    paragraph = bullets.paragraph_format
    paragraph.left_indent = Pt(indent)
    paragraph.first_line_indent = Pt(-hanging)
    paragraph.space_before = Pt(tokens.spacing.bullet_gap)
    paragraph.keep_together = True


def _add_bullet_numbering(
    document: WordDocument, tokens: ThemeTokens, style_id: str, indent: float, hanging: float
) -> int:
    """Add a one-level bullet list definition for the style ``style_id`` and return its numId.

    The template's own bullet definition has a 0.25 inch indent and a
    Symbol-font glyph, so the résumé defines its own and unlinks the old one
    from the style.
    """
    numbering = document.part.numbering_part.element
    for linked_style in numbering.findall(f"{qn('w:abstractNum')}/{qn('w:lvl')}/{qn('w:pStyle')}"):
        if linked_style.get(qn("w:val")) == style_id:
            linked_style.getparent().remove(linked_style)
    abstract_ids = [int(item.get(qn("w:abstractNumId"))) for item in numbering.findall(qn("w:abstractNum"))]
    abstract_id = max(abstract_ids, default=-1) + 1

    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), str(abstract_id))
    multilevel = OxmlElement("w:multiLevelType")
    multilevel.set(qn("w:val"), "singleLevel")
    abstract.append(multilevel)
    abstract.append(_bullet_level(tokens, style_id, indent, hanging))

    # The schema puts every w:abstractNum before the first w:num.
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    return int(numbering.add_num(abstract_id).numId)


def _bullet_level(tokens: ThemeTokens, style_id: str, indent: float, hanging: float) -> _Element:
    """Build level 0 of the bullet list: the glyph, its colour and the hanging indent."""
    level = OxmlElement("w:lvl")
    level.set(qn("w:ilvl"), "0")
    for tag, value in (
        ("w:start", "1"), ("w:numFmt", "bullet"), ("w:pStyle", style_id),
        ("w:lvlText", BULLET_GLYPH), ("w:lvlJc", "left"),
    ):
        child = OxmlElement(tag)
        child.set(qn("w:val"), value)
        level.append(child)

    paragraph = OxmlElement("w:pPr")
    tabs = OxmlElement("w:tabs")
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "num")
    tab.set(qn("w:pos"), str(Pt(indent).twips))
    tabs.append(tab)
    paragraph.append(tabs)
    indentation = OxmlElement("w:ind")
    indentation.set(qn("w:left"), str(Pt(indent).twips))
    indentation.set(qn("w:hanging"), str(Pt(hanging).twips))
    paragraph.append(indentation)
    level.append(paragraph)

    run = OxmlElement("w:rPr")
    _set_font_family(run, tokens.fonts.docx_family)
    colour = run.get_or_add_color()
    colour.val = _rgb(tokens.colours.accent)
    level.append(run)
    return level


def _define_key_figures_style(document: WordDocument, tokens: ThemeTokens) -> None:
    style = _paragraph_style(document, KEY_FIGURES_STYLE)
    _apply_text_format(
        style, tokens, tokens.sizes.entry_title, tokens.colours.text, line_height=tokens.spacing.line_height
    )


def _define_footer_style(document: WordDocument, tokens: ThemeTokens) -> None:
    """Style the page number like the PDF's: small, muted, right-aligned."""
    footer = _paragraph_style(document, FOOTER_STYLE)
    _apply_text_format(footer, tokens, tokens.sizes.small, tokens.colours.muted, line_height=tokens.spacing.line_height)
    footer.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.paragraph_format.space_before = Pt(0)
    footer.paragraph_format.space_after = Pt(0)
    # The template's centre and right tabs are set for US Letter.
    properties = footer.element.get_or_add_pPr()
    for tabs in properties.findall(qn("w:tabs")):
        properties.remove(tabs)


def _define_hyperlink_style(document: WordDocument, tokens: ThemeTokens) -> None:
    """Colour links like the PDF, which does not underline them."""
    style = _character_style(document, HYPERLINK_STYLE)
    _set_font_family(style.element.get_or_add_rPr(), tokens.fonts.docx_family)
    style.font.color.rgb = _rgb(tokens.colours.link)
    style.font.underline = False
    style.unhide_when_used = True


# Content -------------------------------------------------------------------


def _write_header(document: WordDocument, header: HeaderView, tokens: ThemeTokens) -> None:
    """Write the name, the headline, the contact line and the summary."""
    _add_paragraph(document, TITLE_STYLE, header.name)
    if header.label:
        _add_paragraph(document, HEADLINE_STYLE, header.label)
    if header.contact:
        _write_contact_line(_add_paragraph(document, CONTACT_STYLE), header.contact, tokens)
    if header.summary:
        summary = _add_paragraph(document, BODY_STYLE)
        summary.paragraph_format.space_before = Pt(HEADER_SUMMARY_GAP)
        _add_inline_markup(summary, header.summary, tokens)


def _write_contact_line(paragraph: Paragraph, items: Sequence[ContactItem], tokens: ThemeTokens) -> None:
    for index, item in enumerate(items):
        if index > 0:
            _add_separator(paragraph, SEPARATOR, tokens)
        if item.url:
            _add_hyperlink(paragraph, item.url, item.text)
        else:
            paragraph.add_run(item.text)


def _add_separator(paragraph: Paragraph, text: str, tokens: ThemeTokens) -> None:
    """Add a separator such as " · " in the rule colour, as the PDF draws it."""
    paragraph.add_run(text).font.color.rgb = _rgb(tokens.colours.rule)


def _write_section(document: WordDocument, section: SectionView, tokens: ThemeTokens) -> None:
    """Write a section's title and then its entries or items, in view order."""
    _add_paragraph(document, SECTION_STYLE, section.title)
    match section.kind:
        case "entries":
            for index, entry in enumerate(section.entries):
                _write_entry(document, entry, tokens, first=index == 0)
        case "figures":
            _write_key_figures(document, section.items, tokens)
        case "languages":
            _write_languages(document, section.items, tokens)
        case "skills" | "principles":
            separator = ": " if section.kind == "skills" else TITLE_SEPARATOR
            for index, item in enumerate(section.items):
                _write_labelled_item(document, item, separator, tokens, first=index == 0)


def _write_entry(document: WordDocument, entry: EntryView, tokens: ThemeTokens, *, first: bool) -> None:
    """Write a role, project or degree: title line, details, summary and bullets."""
    title = _add_paragraph(document, ENTRY_TITLE_STYLE)
    if first:
        # The heading's space after already separates it from the first entry.
        title.paragraph_format.space_before = Pt(0)
    title.add_run(entry.title).bold = True
    if entry.organisation:
        title.add_run(TITLE_SEPARATOR)
        if entry.organisation_url:
            _add_hyperlink(title, entry.organisation_url, entry.organisation)
        else:
            title.add_run(entry.organisation)
    if entry.url:
        title.add_run(SEPARATOR)
        _add_hyperlink(title, entry.url, _printed_url(entry.url))
    if entry.dates:
        title.add_run("\t")
        _add_styled_run(title, entry.dates, DATES_STYLE)

    if entry.details:
        _add_paragraph(document, ENTRY_DETAILS_STYLE, SEPARATOR.join(entry.details))
    if entry.summary:
        summary = _add_paragraph(document, BODY_STYLE)
        summary.paragraph_format.space_before = Pt(ENTRY_SUMMARY_GAP)
        _add_inline_markup(summary, entry.summary, tokens)
    for index, bullet in enumerate(entry.bullets):
        paragraph = _add_paragraph(document, BULLET_STYLE)
        if index == 0:
            paragraph.paragraph_format.space_before = Pt(BULLET_LIST_GAP)
        _add_inline_markup(paragraph, bullet.text, tokens)


def _printed_url(url: str) -> str:
    """Format a project URL as the classic template prints it, without the scheme or a trailing slash."""
    return url.split("://", 1)[-1].rstrip("/")


def _write_key_figures(document: WordDocument, items: Sequence[LabelledItem], tokens: ThemeTokens) -> None:
    """Write the figures in a row, each centred on a tab stop in its own column.

    The PDF draws a thin rule between the columns. Word could draw it with
    bar tabs, but LibreOffice 7.4 treats a bar tab as an ordinary stop and
    shifts every figure after it, so the DOCX leaves the rules out.
    NOTE: more than KEY_FIGURES_PER_LINE figures continue on a second line,
    while the PDF squeezes every figure into one row.
    """
    for row in _chunks(items, KEY_FIGURES_PER_LINE):
        paragraph = _add_paragraph(document, KEY_FIGURES_STYLE)
        _set_key_figure_tabs(paragraph, len(row), _text_width(tokens))
        for item in row:
            paragraph.add_run("\t")
            value = paragraph.add_run(item.name)
            value.bold = True
            value.font.color.rgb = _rgb(tokens.colours.accent)
            if item.value:
                paragraph.add_run(" ")
                label = paragraph.add_run(item.value)
                label.font.size = Pt(tokens.sizes.small)
                label.font.color.rgb = _rgb(tokens.colours.muted)


def _set_key_figure_tabs(paragraph: Paragraph, count: int, width: float) -> None:
    """Centre ``count`` equal columns separated by KEY_FIGURE_GAP, as the PDF's flex row does."""
    column = (width - KEY_FIGURE_GAP * (count - 1)) / count
    tab_stops = paragraph.paragraph_format.tab_stops
    for index in range(count):
        centre = index * (column + KEY_FIGURE_GAP) + column / 2
        tab_stops.add_tab_stop(Pt(centre), WD_TAB_ALIGNMENT.CENTER)


def _chunks(items: Sequence[LabelledItem], size: int) -> Iterable[Sequence[LabelledItem]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _write_languages(document: WordDocument, items: Sequence[LabelledItem], tokens: ThemeTokens) -> None:
    """Write every language on one line: "French (native) · English (full professional)"."""
    paragraph = _add_paragraph(document, BODY_STYLE)
    for index, item in enumerate(items):
        if index > 0:
            _add_separator(paragraph, SEPARATOR, tokens)
        paragraph.add_run(item.name).bold = True
        if item.value:
            paragraph.add_run(f" ({item.value})")


def _write_labelled_item(
    document: WordDocument, item: LabelledItem, separator: str, tokens: ThemeTokens, *, first: bool
) -> None:
    """Write a skill group or a principle: the name in bold, a separator and the value."""
    paragraph = _add_paragraph(document, BODY_STYLE)
    paragraph.paragraph_format.space_before = Pt(0 if first else tokens.spacing.bullet_gap)
    paragraph.paragraph_format.keep_together = True
    paragraph.add_run(item.name).bold = True
    if not item.value:
        return
    paragraph.add_run(separator)
    if item.value_is_markup:
        _add_inline_markup(paragraph, item.value, tokens)
    else:
        paragraph.add_run(item.value)


# Runs and links ------------------------------------------------------------


def _add_inline_markup(paragraph: Paragraph, text: str, tokens: ThemeTokens) -> None:
    """Draw profile text with inline markup as Word runs. Neighbouring runs with one link share a hyperlink."""
    for link, group in itertools.groupby(parse_inline(text), key=lambda run: run.link):
        hyperlink = _start_hyperlink(paragraph, link) if link is not None else None
        for markup_run in group:
            if hyperlink is not None:
                run = _add_styled_run(paragraph, markup_run.text, HYPERLINK_STYLE)
            else:
                run = paragraph.add_run(markup_run.text)
            if markup_run.bold:
                run.bold = True
            if markup_run.italic:
                run.italic = True
            if markup_run.code:
                _shade_run(run, tokens.colours.code_background)
            if hyperlink is not None:
                hyperlink.append(run._r)


def _shade_run(run: WordRun, colour: str) -> None:
    """Fill the background behind ``run`` with ``colour`` (``w:shd``), as the PDF tints code."""
    properties = run._r.get_or_add_rPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#").upper())
    properties.append(shading)


def _start_hyperlink(paragraph: Paragraph, url: str) -> _Element:
    """Append an empty ``w:hyperlink`` that opens ``url`` to ``paragraph`` and return it, to receive runs.

    python-docx 1.2 reads hyperlinks but has no call that adds one, so the
    element is built here with an external relationship to the URL.
    """
    relationship_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), relationship_id)
    hyperlink.set(qn("w:history"), "1")
    paragraph._p.append(hyperlink)
    return hyperlink


def _add_hyperlink(paragraph: Paragraph, url: str, text: str) -> WordRun:
    """Append ``text`` as a link to ``url`` in the Hyperlink style."""
    hyperlink = _start_hyperlink(paragraph, url)
    run = _add_styled_run(paragraph, text, HYPERLINK_STYLE)
    hyperlink.append(run._r)
    return run


def _write_page_numbers(section: Section) -> None:
    """Print "2 / 2" at the bottom right of every page but the first, as the PDF does."""
    section.different_first_page_header_footer = True
    first_page = section.first_page_footer
    first_page.is_linked_to_previous = False
    first_page.paragraphs[0].style = FOOTER_STYLE

    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = FOOTER_STYLE
    _add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" / ")
    _add_field(paragraph, "NUMPAGES", "1")


# The running name sits this far below the page's top edge, inside every
# theme's top margin, so it never pushes the body text down.
RUNNING_NAME_DISTANCE_MM = 5


def _write_running_name(section: Section, name: str) -> None:
    """Print the person's name at the top of every page but the first, as the PDF does."""
    section.header_distance = Mm(RUNNING_NAME_DISTANCE_MM)
    first_page = section.first_page_header
    first_page.is_linked_to_previous = False
    first_page.paragraphs[0].style = FOOTER_STYLE

    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.style = FOOTER_STYLE
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    paragraph.add_run(name)


def _add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """Append a simple field such as PAGE. Word and LibreOffice replace ``placeholder`` when they lay out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


# Properties and packaging ----------------------------------------------------


def _source_date_epoch() -> int | None:
    """Read SOURCE_DATE_EPOCH (seconds since 1970), the reproducible-builds convention for a fixed build time."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    return _parse_epoch(value)


@functools.cache
def _parse_epoch(value: str) -> int | None:
    """Parse a SOURCE_DATE_EPOCH value, or return None when it is invalid.

    Cached, so an invalid value is reported once per run and not once per document.
    """
    if re.fullmatch(r"[0-9]+", value.strip()) is None or int(value) > LATEST_EPOCH:
        logger.warning(
            "SOURCE_DATE_EPOCH=%r is invalid because it is not a whole number of seconds "
            "from 1970 to the year 9999, so the DOCX uses the current time", value
        )
        return None
    return int(value)


def _set_core_properties(document: WordDocument, profile: Profile, locale: str, epoch: int | None) -> None:
    """Fill the document properties that Word shows under File > Info, as the PDF's metadata."""
    basics = profile.basics
    stamp = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc) if epoch is not None else dt.datetime.now(dt.timezone.utc)
    keywords = [keyword for group in profile.skills for keyword in group.keywords][:KEYWORD_COUNT]

    properties = document.core_properties
    properties.title = _truncate(f"{basics.name} - CV")
    properties.author = _truncate(basics.name)
    properties.last_modified_by = _truncate(basics.name)
    properties.subject = _truncate(basics.label or "")
    properties.keywords = _join_keywords(keywords)
    properties.language = locale
    properties.comments = ""
    properties.revision = 1
    properties.created = stamp
    properties.modified = stamp
    properties.last_printed = stamp
    _drop_template_thumbnail(document)


def _truncate(text: str) -> str:
    return text[:CORE_PROPERTY_MAX_LENGTH]


def _join_keywords(keywords: Sequence[str]) -> str:
    """Join keywords with ", ", leaving out whole keywords past the core-property limit."""
    joined = ""
    for keyword in keywords:
        candidate = f"{joined}, {keyword}" if joined else keyword
        if len(candidate) > CORE_PROPERTY_MAX_LENGTH:
            break
        joined = candidate
    return joined


def _drop_template_thumbnail(document: WordDocument) -> None:
    """Remove the thumbnail of python-docx's template, which shows a page of another document."""
    package = document.part.package
    for relationship_id, relationship in list(package.rels.items()):
        if relationship.reltype == RT.THUMBNAIL:
            del package.rels[relationship_id]


def _save(document: WordDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _normalise_zip(data: bytes, epoch: int) -> bytes:
    """Rewrite the DOCX zip so the same inputs give the same bytes.

    python-docx stamps every entry with the current time and writes parts in
    the order it walks them. Here entries follow a fixed order, with
    ``[Content_Types].xml`` first as Office writes it, and every entry gets the
    time ``epoch`` (clamped to the years a zip can store) and mode 0644.
    """
    stamp = min(max(dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc), ZIP_EARLIEST), ZIP_LATEST)
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)

    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    names = sorted(entries, key=lambda name: (name != CONTENT_TYPES_PART, name))

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = ZIP_UNIX_SYSTEM
            info.external_attr = ZIP_FILE_MODE << 16
            target.writestr(info, entries[name], compresslevel=6)
    return output.getvalue()
