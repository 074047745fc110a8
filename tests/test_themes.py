"""The built-in themes: their tokens, their checks, and how each one prints.

The reference-image tests compare page 1 of a fixed fictional profile
(tests/data/reference_profile.yaml) in each theme with the image stored in
tests/references/. After an intended change to a theme, rewrite the stored
images with

    CVBUILD_UPDATE_REFERENCES=1 .venv/bin/python -m pytest tests/test_themes.py -k reference

and look at them before committing. On a mismatch the test saves a diff
image under pytest's temporary folder and names its path in the failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn
from PIL import Image, ImageChops
from pypdf import PdfReader
from typer.testing import CliRunner

from cvbuild.build import RenderCache, build_artifact, prepare_build
from cvbuild.cli import app
from cvbuild.errors import ThemeError
from cvbuild.render.docx import render_docx
from cvbuild.render.html import render_html
from cvbuild.render.view import build_document_view
from cvbuild.theme import ThemeTokens, list_builtin_themes, load_theme
from cvbuild.validate import load_profile
from tests.conftest import MINIMAL_PROFILE, OWNER_PROFILE, REPOSITORY, pdf_fonts, require_tool, write_profile

runner = CliRunner()

THEMES = ("classic", "modern", "compact")
REFERENCE_PROFILE = REPOSITORY / "tests" / "data" / "reference_profile.yaml"
REFERENCES = REPOSITORY / "tests" / "references"
UPDATE_REFERENCES = os.environ.get("CVBUILD_UPDATE_REFERENCES") == "1"
REFERENCE_RESOLUTION = 50
# Limits of the reference comparison: the mean absolute difference over all
# channels as a fraction of full scale, and the fraction of pixels where a
# channel differs by more than CHANGED_PIXEL_LEVEL. They absorb anti-aliasing
# differences between poppler versions, not a moved line of text.
MAX_MEAN_DIFFERENCE = 0.01
MAX_CHANGED_PIXELS = 0.005
CHANGED_PIXEL_LEVEL = 64

# Fonts that Windows (since Vista) and Microsoft Office install. A theme's
# docxFamily must be one of them, so Word shows the font the theme intends.
WORD_FAMILIES = {"Calibri", "Cambria", "Arial", "Times New Roman", "Georgia"}

ROLE_LINE = "Senior Software Engineer — Bodygram Jan 2023 – Sep 2025"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _copy_theme(tmp_path: Path, name: str = "classic") -> Path:
    folder = tmp_path / f"{name}-copy"
    shutil.copytree(REPOSITORY / "themes" / name, folder)
    return folder


def _line_of(path: Path, text: str) -> int:
    """Return the 1-based number of the first line of ``path`` that contains ``text``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} is not in {path}")


def _rendered_text(html: str) -> str:
    """Return the page's visible text: the body without tags, with whitespace collapsed."""
    body = html[html.index("<body>"):]
    return _flat(re.sub(r"<[^>]+>", " ", body))


# Listing and tokens --------------------------------------------------------


def test_builtin_themes_are_three() -> None:
    assert list_builtin_themes() == sorted(THEMES)


def test_themes_command_describes_each() -> None:
    result = runner.invoke(app, ["themes"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == len(THEMES)
    for line, name in zip(lines, sorted(THEMES)):
        assert line.startswith(name), line
        description = line[len(name):].strip()
        assert description == load_theme(name).tokens.description
        assert len(description) > 20, line


@pytest.mark.parametrize("name", THEMES)
def test_theme_word_family_available(name: str) -> None:
    fonts = load_theme(name).tokens.fonts
    assert fonts.docx_family in WORD_FAMILIES, fonts.docx_family


@pytest.mark.parametrize("name", THEMES)
def test_theme_ships_font_licence(name: str) -> None:
    theme = load_theme(name)
    licence = (theme.folder / theme.tokens.fonts.licence).read_text(encoding="utf-8")
    assert "SIL Open Font License" in licence
    assert licence.startswith("Copyright")
    font_files = sorted(path.name for path in (theme.folder / "fonts").iterdir() if path.suffix in (".ttf", ".otf"))
    assert len(font_files) == 4, font_files


def test_compact_denser_than_classic() -> None:
    classic, compact = load_theme("classic").tokens, load_theme("compact").tokens
    assert 9.5 <= compact.sizes.body <= classic.sizes.body
    assert compact.short.min_body >= 9.5
    for side in ("top", "right", "bottom", "left"):
        margin = getattr(compact.page.margins, side)
        assert margin >= 12 * 72 / 25.4 - 1e-3, side
        assert margin <= getattr(classic.page.margins, side), side
    assert compact.short.min_margin >= 12 * 72 / 25.4 - 1e-3
    for gap in ("section_gap", "entry_gap", "bullet_gap"):
        assert getattr(compact.spacing, gap) < getattr(classic.spacing, gap), gap


def test_new_tokens_default_to_classic() -> None:
    """Tokens added after classic default to classic's look, so a theme.yaml without them is unchanged."""
    tokens = load_theme("classic").tokens
    assert tokens.colours.header_band is None
    assert tokens.colours.name_or_accent == tokens.colours.accent
    assert tokens.colours.headline_or_text == tokens.colours.text
    assert tokens.rules.header == 0
    assert tokens.rules.section == 0.75
    assert tokens.rules.section_marker == 0
    css = load_theme("classic").token_css()
    assert "--colour-header-band: transparent;" in css
    assert f"--colour-name: {tokens.colours.accent};" in css


def test_modern_tokens_in_css() -> None:
    theme = load_theme("modern")
    css = theme.token_css()
    assert f"--colour-header-band: {theme.tokens.colours.header_band};" in css
    assert f"--rule-section-marker: {theme.tokens.rules.section_marker}pt;" in css
    assert f"--page-margin-left: {theme.tokens.page.margins.left}pt;" in css


# theme.yaml and template errors ---------------------------------------------


def test_theme_key_typo_located(tmp_path: Path) -> None:
    folder = _copy_theme(tmp_path)
    theme_file = folder / "theme.yaml"
    theme_file.write_text(
        theme_file.read_text(encoding="utf-8").replace("  sectionGap:", "  sectoinGap:"), encoding="utf-8"
    )
    with pytest.raises(ThemeError) as caught:
        load_theme(str(folder))
    problem = next(problem for problem in caught.value.problems if problem.field == "spacing.sectoinGap")
    assert problem.file == theme_file
    assert problem.line == _line_of(theme_file, "sectoinGap")
    assert problem.hint == 'did you mean "sectionGap"?'
    assert f"{theme_file}:{problem.line}:" in caught.value.format()


def test_theme_bad_colour_names_field(tmp_path: Path) -> None:
    folder = _copy_theme(tmp_path)
    theme_file = folder / "theme.yaml"
    theme_file.write_text(
        theme_file.read_text(encoding="utf-8").replace('accent: "#1f4e79"', "accent: navy"), encoding="utf-8"
    )
    with pytest.raises(ThemeError) as caught:
        load_theme(str(folder))
    [problem] = caught.value.problems
    assert problem.field == "colours.accent"
    assert problem.line == _line_of(theme_file, "accent: navy")
    assert '"navy" is not a colour' in problem.message
    assert "#rrggbb" in problem.message


def test_theme_bad_length_names_field(tmp_path: Path) -> None:
    folder = _copy_theme(tmp_path)
    theme_file = folder / "theme.yaml"
    theme_file.write_text(
        theme_file.read_text(encoding="utf-8").replace("entryGap: 6pt", "entryGap: 6"), encoding="utf-8"
    )
    with pytest.raises(ThemeError) as caught:
        load_theme(str(folder))
    [problem] = caught.value.problems
    assert problem.field == "spacing.entryGap"
    assert problem.line == _line_of(theme_file, "entryGap: 6")
    assert "is not a length" in problem.message


def test_theme_bad_band_colour_rejected(tmp_path: Path) -> None:
    folder = _copy_theme(tmp_path, "modern")
    theme_file = folder / "theme.yaml"
    text = theme_file.read_text(encoding="utf-8")
    theme_file.write_text(re.sub(r'headerBand: "#[0-9a-f]+"', "headerBand: '#abc'", text), encoding="utf-8")
    with pytest.raises(ThemeError) as caught:
        load_theme(str(folder))
    [problem] = caught.value.problems
    assert problem.field == "colours.headerBand"
    assert problem.line == _line_of(theme_file, "headerBand:")


def test_theme_yaml_validates_as_model() -> None:
    """theme.yaml and ThemeTokens agree: every built-in theme validates outside load_theme too."""
    from cvbuild.load import load_yaml_file

    for name in THEMES:
        document = load_yaml_file(REPOSITORY / "themes" / name / "theme.yaml")
        tokens = ThemeTokens.model_validate(document.data)
        assert tokens.name == name


@pytest.fixture(scope="module")
def minimal_view(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("minimal")
    return build_document_view(load_profile(write_profile(folder, MINIMAL_PROFILE)))


def _theme_with_template_line(tmp_path: Path, line: str):
    """Copy the classic theme with ``line`` added at the start of its body.

    Return the loaded copy and the number of that line in its template.
    """
    folder = _copy_theme(tmp_path)
    template = folder / "template.html.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace("<body>\n", f"<body>\n{line}\n", 1), encoding="utf-8"
    )
    return load_theme(str(folder)), _line_of(template, line)


def test_template_syntax_error_located(tmp_path: Path, minimal_view) -> None:
    theme, line = _theme_with_template_line(tmp_path, "{% if %}")
    with pytest.raises(ThemeError) as caught:
        render_html(minimal_view, theme)
    [problem] = caught.value.problems
    assert problem.file == theme.template_path
    assert problem.line == line
    assert "syntax error" in problem.message


def test_template_undefined_name_located(tmp_path: Path, minimal_view) -> None:
    theme, line = _theme_with_template_line(tmp_path, "<p>{{ document.header.nickname }}</p>")
    with pytest.raises(ThemeError) as caught:
        render_html(minimal_view, theme)
    [problem] = caught.value.problems
    assert problem.file == theme.template_path
    assert problem.line == line
    assert "nickname" in problem.message


def test_template_unknown_variable_located(tmp_path: Path, minimal_view) -> None:
    theme, line = _theme_with_template_line(tmp_path, "<p>{{ profile.name }}</p>")
    with pytest.raises(ThemeError) as caught:
        render_html(minimal_view, theme)
    [problem] = caught.value.problems
    assert problem.line == line
    assert "'profile' is undefined" in problem.message


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ document.__class__.__init__.__globals__ }}",
        "{{ document.header | attr('__dict__') }}",
        "{{ '{0.__class__}'.format(document) }}",
    ],
)
def test_template_sandbox_rejects_internals(tmp_path: Path, minimal_view, expression: str) -> None:
    theme, line = _theme_with_template_line(tmp_path, expression)
    with pytest.raises(ThemeError) as caught:
        render_html(minimal_view, theme)
    [problem] = caught.value.problems
    assert problem.file == theme.template_path
    assert problem.line == line
    assert "unsafe" in problem.message
    assert "sandbox" in problem.hint


@pytest.mark.parametrize("expression", ["{{ range(10 ** 9) | list | length }}", "{{ 1 / 0 }}", "{{ 'a' + 1 }}"])
def test_template_runtime_error_located(tmp_path: Path, minimal_view, expression: str) -> None:
    theme, line = _theme_with_template_line(tmp_path, expression)
    with pytest.raises(ThemeError) as caught:
        render_html(minimal_view, theme)
    [problem] = caught.value.problems
    assert problem.file == theme.template_path
    assert problem.line == line


@pytest.mark.parametrize("name", THEMES)
def test_template_autoescapes_profile_text(tmp_path: Path, name: str) -> None:
    text = MINIMAL_PROFILE.replace("label: Engineer", "label: \"<script>alert('x')</script> & {{ 7*7 }}\"")
    view = build_document_view(load_profile(write_profile(tmp_path, text)))
    page = render_html(view, load_theme(name))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; {{ 7*7 }}" in page


# Same text and structure in every theme -------------------------------------


@pytest.fixture(scope="module")
def owner_pages() -> dict[str, str]:
    view = build_document_view(load_profile(OWNER_PROFILE))
    return {name: render_html(view, load_theme(name)) for name in THEMES}


@pytest.mark.parametrize("name", [name for name in THEMES if name != "classic"])
def test_theme_prints_classic_text(owner_pages: dict[str, str], name: str) -> None:
    assert _rendered_text(owner_pages[name]) == _rendered_text(owner_pages["classic"])


@pytest.mark.parametrize("name", [name for name in THEMES if name != "classic"])
def test_theme_keeps_fitter_markup(owner_pages: dict[str, str], name: str) -> None:
    """The one-page fitter measures elements by their data-key; sections keep their ids."""
    def markers(page: str) -> dict[str, list[str]]:
        return {
            "data-key": re.findall(r'data-key="([^"]+)"', page),
            "section": re.findall(r'<section [^>]*id="([^"]+)"', page),
            "summary": re.findall(r'class="entry-summary" data-key="([^"]+)"', page),
        }

    assert markers(owner_pages[name]) == markers(owner_pages["classic"])


# The owner's PDF in each theme ----------------------------------------------


@pytest.fixture(scope="module", params=THEMES)
def owner_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The owner's full and one-page PDF in one theme, with the full layout they came from."""
    name = request.param
    inputs = prepare_build(OWNER_PROFILE, name, tmp_path_factory.mktemp(f"owner-{name}"))
    cache = RenderCache(inputs)
    full = build_artifact(inputs, "pdf", "full", cache).path
    short = build_artifact(inputs, "pdf", "short", cache).path
    return name, full, short, cache.full_document()


@pytest.fixture(scope="module")
def owner_pdfs(owner_build) -> tuple[str, Path, Path]:
    name, full, short, _document = owner_build
    return name, full, short


def _pdf_text(path: Path) -> str:
    return _flat(" ".join(page.extract_text() for page in PdfReader(path).pages))


def test_owner_role_line_together(owner_pdfs) -> None:
    name, full, short = owner_pdfs
    assert ROLE_LINE in _pdf_text(full), name
    assert ROLE_LINE in _pdf_text(short), name


def test_owner_every_role_together(owner_pdfs) -> None:
    """Every role's title, employer and dates extract as one run of text, in profile order."""
    name, full, _short = owner_pdfs
    text = _pdf_text(full)
    view = build_document_view(load_profile(OWNER_PROFILE))
    [work] = [section for section in view.sections if section.name == "work"]
    lines = [f"{entry.title} — {entry.organisation} {entry.dates}" for entry in work.entries]
    for line in lines:
        assert line in text, f"{name}: {line}"
    positions = [text.index(line) for line in lines]
    assert positions == sorted(positions), name


def _boxes(box):
    for child in getattr(box, "children", []):
        yield child
        yield from _boxes(child)


def test_owner_no_heading_alone_at_page_end(owner_build) -> None:
    """No page ends with an entry's title line and details while the rest of the entry starts the next page."""
    name, _full, _short, document = owner_build
    pages_of_entry: dict[str, list[list[str]]] = {}
    for page in document.pages:
        seen = set()
        for box in _boxes(page._page_box):
            element = getattr(box, "element", None)
            if getattr(box, "element_tag", None) != "article" or id(box) in seen:
                continue
            seen.add(id(box))
            classes = [
                child.element.get("class") for child in box.children if getattr(child, "element", None) is not None
            ]
            pages_of_entry.setdefault(element.get("data-key"), []).append(classes)
    for key, parts in pages_of_entry.items():
        if len(parts) > 1:
            assert set(parts[0]) - {"entry-head", "entry-details"}, f"{name}: {key} has only its heading on a page"


def test_owner_pdf_at_most_two_pages(owner_pdfs) -> None:
    name, full, _short = owner_pdfs
    assert len(PdfReader(full).pages) <= 2, name


def test_owner_short_pdf_one_page(owner_pdfs) -> None:
    name, _full, short = owner_pdfs
    assert len(PdfReader(short).pages) == 1, name


def test_owner_pdf_fonts_embedded(owner_pdfs) -> None:
    name, full, short = owner_pdfs
    family = load_theme(name).tokens.fonts.family
    for path in (full, short):
        fonts = pdf_fonts(path)
        assert fonts, f"{path.name} uses no fonts"
        for font, embedded in fonts.items():
            assert embedded, f"{name}: font {font} is not embedded in {path.name}"
            assert family in font, f"{name}: font {font} is not the theme's {family}"


def test_owner_pdf_has_no_ligatures(owner_pdfs) -> None:
    name, full, _short = owner_pdfs
    text = _pdf_text(full)
    assert re.search("[\ufb00-\ufb06]", text) is None, name
    for word in ("configuration", "off-hours", "~8×", "4,000+"):
        assert word in text, f"{name}: {word}"


# Word documents ---------------------------------------------------------------


def _docx_styles(tmp_path: Path, name: str):
    inputs = prepare_build(REFERENCE_PROFILE, name, tmp_path)
    content, _pages = render_docx(inputs, "full")
    path = tmp_path / f"{name}.docx"
    path.write_bytes(content)
    return open_docx(str(path)).styles, inputs.theme.tokens


def _border(style, side: str):
    properties = style.element.pPr
    borders = properties.find(qn("w:pBdr")) if properties is not None else None
    return borders.find(qn(f"w:{side}")) if borders is not None else None


def test_classic_docx_heading_rule_only(tmp_path: Path) -> None:
    styles, tokens = _docx_styles(tmp_path, "classic")
    bottom = _border(styles["Heading 1"], "bottom")
    assert bottom is not None
    assert bottom.get(qn("w:sz")) == "6"
    assert bottom.get(qn("w:color")) == tokens.colours.rule.removeprefix("#").upper()
    assert _border(styles["Heading 1"], "left") is None
    assert styles["Title"].element.pPr.find(qn("w:shd")) is None
    assert _border(styles["Title"], "bottom") is None
    assert str(styles["Title"].font.color.rgb) == tokens.colours.accent.removeprefix("#").upper()


def test_modern_docx_band_and_marker(tmp_path: Path) -> None:
    styles, tokens = _docx_styles(tmp_path, "modern")
    band = tokens.colours.header_band.removeprefix("#").upper()
    for name in ("Title", "Subtitle", "Contact"):
        shading = styles[name].element.pPr.find(qn("w:shd"))
        assert shading is not None, name
        assert shading.get(qn("w:fill")) == band
        rule = _border(styles[name], "bottom")
        assert rule.get(qn("w:color")) == tokens.colours.accent.removeprefix("#").upper()
        assert rule.get(qn("w:sz")) == str(round(tokens.rules.header * 8))
    marker = _border(styles["Heading 1"], "left")
    assert marker is not None
    assert marker.get(qn("w:sz")) == str(round(tokens.rules.section_marker * 8))
    assert _border(styles["Heading 1"], "bottom") is None
    assert str(styles["Title"].font.color.rgb) == tokens.colours.name.removeprefix("#").upper()
    assert str(styles["Subtitle"].font.color.rgb) == tokens.colours.headline.removeprefix("#").upper()
    assert styles["Normal"].font.name == "Arial"


def test_compact_docx_uses_calibri(tmp_path: Path) -> None:
    styles, tokens = _docx_styles(tmp_path, "compact")
    assert styles["Normal"].font.name == "Calibri"
    assert styles["Normal"].font.size.pt == tokens.sizes.body
    assert _border(styles["Heading 1"], "bottom").get(qn("w:sz")) == str(round(tokens.rules.section * 8))


# Reference images ----------------------------------------------------------------


def _render_page_one(pdf: Path, output_stem: Path) -> Path:
    pdftoppm = require_tool("pdftoppm", "poppler-utils")
    subprocess.run(
        [pdftoppm, "-png", "-r", str(REFERENCE_RESOLUTION), "-f", "1", "-l", "1", "-singlefile", str(pdf),
         str(output_stem)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return output_stem.with_suffix(".png")


def _image_difference(actual: Image.Image, expected: Image.Image) -> tuple[float, float, Image.Image]:
    """Return the mean absolute difference (0 to 1), the fraction of changed pixels, and the difference image."""
    difference = ImageChops.difference(actual, expected)
    pixels = actual.width * actual.height
    channel_sums = [
        sum(level * count for level, count in enumerate(channel.histogram())) for channel in difference.split()
    ]
    mean = sum(channel_sums) / (len(channel_sums) * pixels * 255)
    red, green, blue = difference.split()
    largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    changed = largest.point(lambda level: 255 if level > CHANGED_PIXEL_LEVEL else 0).histogram()[255] / pixels
    return mean, changed, difference


@pytest.mark.parametrize("name", THEMES)
def test_reference_page_one(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = prepare_build(REFERENCE_PROFILE, name, tmp_path / "out")
    pdf = build_artifact(inputs, "pdf").path
    actual_path = _render_page_one(pdf, tmp_path / f"{name}-page-1")
    reference = REFERENCES / f"{name}-page-1.png"

    if UPDATE_REFERENCES:
        REFERENCES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(actual_path, reference)
        with capsys.disabled():
            print(f"\nwrote {reference.relative_to(REPOSITORY)}")
        return

    assert reference.is_file(), (
        f"{reference} is missing; create it with "
        "CVBUILD_UPDATE_REFERENCES=1 .venv/bin/python -m pytest tests/test_themes.py -k reference"
    )
    with Image.open(actual_path) as actual_file, Image.open(reference) as expected_file:
        actual, expected = actual_file.convert("RGB"), expected_file.convert("RGB")
    assert actual.size == expected.size, f"page 1 is {actual.size}, the reference {expected.size}"

    mean, changed, difference = _image_difference(actual, expected)
    if mean > MAX_MEAN_DIFFERENCE or changed > MAX_CHANGED_PIXELS:
        diff_path = tmp_path / f"{name}-page-1-diff.png"
        difference.point(lambda level: min(255, level * 4)).save(diff_path)
        print(f"difference image: {diff_path}")
        pytest.fail(
            f"page 1 of the {name} theme differs from {reference.relative_to(REPOSITORY)}: "
            f"mean difference {mean:.2%} (limit {MAX_MEAN_DIFFERENCE:.0%}), "
            f"changed pixels {changed:.2%} (limit {MAX_CHANGED_PIXELS:.1%}); "
            f"rendered page: {actual_path}; difference image: {diff_path}"
        )
