"""Themes: a folder of design tokens, an HTML template, a stylesheet and fonts.

``theme.yaml`` contains the tokens (page, margins, fonts, sizes, colours,
spacing, rules). The PDF reads them as CSS custom properties generated
here; the DOCX renderer maps the same tokens to Word styles, so both
documents look like one family.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from cvbuild.errors import Problem, ThemeError

logger = logging.getLogger(__name__)

THEME_FILE = "theme.yaml"
TEMPLATE_FILE = "template.html.j2"
STYLESHEET_FILE = "style.css"
REQUIRED_FILES = (THEME_FILE, TEMPLATE_FILE, STYLESHEET_FILE)

_POINTS_PER_UNIT = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "px": 0.75}
_LENGTH_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(pt|mm|cm|in|px)\s*$")
_COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


def _parse_length(value: object) -> float:
    """Convert ``"16mm"``, ``"10.5pt"`` or ``"0.5in"`` to points."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"the length {value} has no unit; write it as {value}pt or {value}mm")
    match = _LENGTH_PATTERN.match(str(value))
    if match is None:
        raise ValueError(f'"{value}" is not a length; write a number and a unit: pt, mm, cm, in or px')
    return round(float(match[1]) * _POINTS_PER_UNIT[match[2]], 4)


def _check_colour(value: object) -> str:
    text = str(value)
    if not _COLOUR_PATTERN.match(text):
        raise ValueError(f'"{text}" is not a colour; write it as #rrggbb, for example #1f4e79')
    return text.lower()


Points = Annotated[float, BeforeValidator(_parse_length), Field(description="A length: 10pt, 16mm, 1cm, 0.5in.")]
Colour = Annotated[str, BeforeValidator(_check_colour), Field(description="A colour as #rrggbb.")]

# Page sizes in points, as CSS Paged Media and Word define them.
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (595.2756, 841.8898),
    "letter": (612.0, 792.0),
}


class TokenModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, validate_by_alias=True, validate_by_name=False
    )


class Margins(TokenModel):
    top: Points
    right: Points
    bottom: Points
    left: Points


class PageTokens(TokenModel):
    size: Literal["A4", "letter"] = Field(default="A4", description="Paper size: A4 or letter.")
    margins: Margins

    @property
    def width(self) -> float:
        return PAGE_SIZES[self.size][0]

    @property
    def height(self) -> float:
        return PAGE_SIZES[self.size][1]


class FontFiles(TokenModel):
    regular: str
    bold: str
    italic: str
    bold_italic: str


class FontTokens(TokenModel):
    family: str = Field(description="The family name the PDF embeds, from the files below.")
    files: FontFiles = Field(description="Font files, relative to the theme folder.")
    docx_family: str = Field(
        description="The family the DOCX asks for: a font Word users have, metric-compatible with this one."
    )
    licence: str = Field(description="The licence file shipped with the fonts, relative to the theme folder.")


class SizeTokens(TokenModel):
    name: Points
    headline: Points
    section_title: Points
    entry_title: Points
    body: Points
    small: Points


class ColourTokens(TokenModel):
    text: Colour
    muted: Colour
    accent: Colour
    rule: Colour
    link: Colour
    code_background: Colour = Field(
        default="#eceff3",
        description="The fill behind `code` in profile text, which sets it apart from links.",
    )
    name: Colour | None = Field(default=None, description="The colour of the name; the accent colour when unset.")
    headline: Colour | None = Field(
        default=None, description="The colour of the headline; the text colour when unset."
    )
    # NOTE: the classic stylesheet does not draw headerBand, rules.header or
    # rules.sectionMarker, while the DOCX does. A theme built from classic
    # that sets them must also draw them in its style.css.
    header_band: Colour | None = Field(
        default=None, description="The fill behind the name, headline and contact line; no band when unset."
    )

    @property
    def name_or_accent(self) -> str:
        return self.name or self.accent

    @property
    def headline_or_text(self) -> str:
        return self.headline or self.text


class SpacingTokens(TokenModel):
    line_height: float = Field(ge=1.0, le=2.0, description="Line height as a multiple of the font size.")
    section_gap: Points
    entry_gap: Points
    bullet_gap: Points
    bullet_indent: Points


class RuleTokens(TokenModel):
    """Widths of the lines a theme draws; 0pt draws none."""

    header: Points = Field(default=0.0, description="The accent rule under the name, headline and contact line.")
    section: Points = Field(default=0.75, description="The rule under each section title, in the rule colour.")
    section_marker: Points = Field(
        default=0.0, description="The accent bar left of each section title, hanging in the margin."
    )


# Hard floors for the one-page variant, whatever a theme declares: smaller
# body text or margins make a résumé hard to read and to print.
MIN_BODY_SIZE_PT = 9.0
MIN_MARGIN_PT = 10 * 72 / 25.4


class ShortTokens(TokenModel):
    """How far the one-page fitter may tighten the layout."""

    min_body: Points = Field(default=MIN_BODY_SIZE_PT, description="The smallest body text size; at least 9pt.")
    min_margin: Points = Field(default=MIN_MARGIN_PT, description="The smallest page margin; at least 10mm.")
    min_line_height: float = Field(default=1.12, ge=1.0, le=2.0, description="The smallest line height.")
    min_gap_scale: float = Field(
        default=0.5, ge=0.0, le=1.0, description="The smallest fraction of the section, entry and bullet gaps."
    )

    @field_validator("min_body")
    @classmethod
    def _check_body_floor(cls, value: float) -> float:
        if value < MIN_BODY_SIZE_PT - 1e-6:
            raise ValueError(f"minBody is {value}pt; the one-page variant never goes below {MIN_BODY_SIZE_PT:g}pt")
        return value

    @field_validator("min_margin")
    @classmethod
    def _check_margin_floor(cls, value: float) -> float:
        if value < MIN_MARGIN_PT - 1e-3:
            raise ValueError(f"minMargin is {value:.1f}pt; the one-page variant never goes below 10mm")
        return value


class ThemeTokens(TokenModel):
    """The contents of ``theme.yaml``."""

    name: str
    description: str
    page: PageTokens
    fonts: FontTokens
    sizes: SizeTokens
    colours: ColourTokens
    spacing: SpacingTokens
    rules: RuleTokens = Field(default_factory=RuleTokens)
    short: ShortTokens = Field(default_factory=ShortTokens)

    def tightened(self, step: float) -> ThemeTokens:
        """These tokens with body size, line height, gaps and margins ``step`` (0 to 1) of the way to the floors.

        The one-page fitter uses it for the short PDF, and the DOCX renderer
        for the short DOCX, so both tighten alike.
        """
        if step <= 0:
            return self
        floors = self.short

        def between(value: float, floor: float) -> float:
            return round(value - step * max(value - floor, 0.0), 3)

        body = between(self.sizes.body, floors.min_body)
        scale = body / self.sizes.body
        gap_factor = 1 - step * (1 - floors.min_gap_scale)
        sizes = self.sizes.model_copy(update={
            "body": body,
            "entry_title": round(self.sizes.entry_title * scale, 3),
            "small": round(min(self.sizes.small, body), 3),
        })
        spacing = self.spacing.model_copy(update={
            "line_height": between(self.spacing.line_height, floors.min_line_height),
            "section_gap": round(self.spacing.section_gap * gap_factor, 3),
            "entry_gap": round(self.spacing.entry_gap * gap_factor, 3),
            "bullet_gap": round(self.spacing.bullet_gap * gap_factor, 3),
        })
        margins = self.page.margins
        tightened_margins = margins.model_copy(update={
            side: between(getattr(margins, side), floors.min_margin) for side in ("top", "right", "bottom", "left")
        })
        page = self.page.model_copy(update={"margins": tightened_margins})
        return self.model_copy(update={"sizes": sizes, "spacing": spacing, "page": page})


@dataclass(frozen=True)
class Theme:
    """A theme folder whose tokens and files have been checked."""

    folder: Path
    tokens: ThemeTokens

    @property
    def name(self) -> str:
        return self.tokens.name

    @property
    def template_path(self) -> Path:
        return self.folder / TEMPLATE_FILE

    @property
    def stylesheet_path(self) -> Path:
        return self.folder / STYLESHEET_FILE

    def font_path(self, style: Literal["regular", "bold", "italic", "bold_italic"]) -> Path:
        return self.folder / getattr(self.tokens.fonts.files, style)

    def with_tokens(self, tokens: ThemeTokens) -> Theme:
        """Return the same theme folder drawn with other tokens, such as tightened ones."""
        return Theme(folder=self.folder, tokens=tokens)

    def token_css(self) -> str:
        """CSS generated from the tokens: @font-face rules, @page and custom properties."""
        tokens = self.tokens
        family = tokens.fonts.family
        faces = []
        for style, (weight, slant) in {
            "regular": ("normal", "normal"),
            "bold": ("bold", "normal"),
            "italic": ("normal", "italic"),
            "bold_italic": ("bold", "italic"),
        }.items():
            faces.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {slant};'
                f' src: url("{getattr(tokens.fonts.files, style)}"); }}'
            )
        margins = tokens.page.margins
        properties = {
            "font-body": f'"{family}"',
            "size-name": f"{tokens.sizes.name}pt",
            "size-headline": f"{tokens.sizes.headline}pt",
            "size-section-title": f"{tokens.sizes.section_title}pt",
            "size-entry-title": f"{tokens.sizes.entry_title}pt",
            "size-body": f"{tokens.sizes.body}pt",
            "size-small": f"{tokens.sizes.small}pt",
            "colour-text": tokens.colours.text,
            "colour-muted": tokens.colours.muted,
            "colour-accent": tokens.colours.accent,
            "colour-rule": tokens.colours.rule,
            "colour-link": tokens.colours.link,
            "colour-code-background": tokens.colours.code_background,
            "colour-name": tokens.colours.name_or_accent,
            "colour-headline": tokens.colours.headline_or_text,
            "colour-header-band": tokens.colours.header_band or "transparent",
            "line-height": f"{tokens.spacing.line_height}",
            "gap-section": f"{tokens.spacing.section_gap}pt",
            "gap-entry": f"{tokens.spacing.entry_gap}pt",
            "gap-bullet": f"{tokens.spacing.bullet_gap}pt",
            "indent-bullet": f"{tokens.spacing.bullet_indent}pt",
            "rule-header": f"{tokens.rules.header}pt",
            "rule-section": f"{tokens.rules.section}pt",
            "rule-section-marker": f"{tokens.rules.section_marker}pt",
            # The page margins again, so a stylesheet can draw into them (a band to the page's edges).
            "page-margin-top": f"{margins.top}pt",
            "page-margin-right": f"{margins.right}pt",
            "page-margin-bottom": f"{margins.bottom}pt",
            "page-margin-left": f"{margins.left}pt",
        }
        custom_properties = "\n".join(f"  --{name}: {value};" for name, value in properties.items())
        page_rule = (
            f"@page {{ size: {tokens.page.size}; margin: {margins.top}pt {margins.right}pt "
            f"{margins.bottom}pt {margins.left}pt; }}"
        )
        return "\n".join([*faces, page_rule, ":root {", custom_properties, "}"])


def builtin_themes_folder() -> Path:
    """Return the folder of the built-in themes.

    An installed wheel carries them as the package ``cvbuild.themes``; a
    source checkout used without installing keeps them in ``themes/`` at the
    repository's top level.
    """
    packaged = Path(str(resources.files("cvbuild"))) / "themes"
    if (packaged / "classic" / THEME_FILE).is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes"


def list_builtin_themes() -> list[str]:
    """Names of the built-in themes, sorted."""
    folder = builtin_themes_folder()
    return sorted(child.name for child in folder.iterdir() if (child / THEME_FILE).is_file())


def resolve_theme_folder(name_or_path: str, relative_to: Path | None = None) -> Path:
    """Find a theme by built-in name or by folder path.

    A value with a path separator, or one naming an existing folder, is a
    path (relative to ``relative_to`` when given, which is the profile's
    folder for a theme named in the profile). Anything else is a built-in name.
    """
    looks_like_path = "/" in name_or_path or "\\" in name_or_path or name_or_path.startswith(".")
    candidate = Path(name_or_path).expanduser()
    if relative_to is not None and not candidate.is_absolute():
        candidate = relative_to / candidate
    if looks_like_path or candidate.is_dir():
        if not candidate.is_dir():
            raise ThemeError([Problem(
                message=f'the theme folder "{name_or_path}" does not exist',
                file=candidate,
                hint=f"pass a built-in theme name ({', '.join(list_builtin_themes())}) or an existing folder",
            )])
        return candidate

    builtin = builtin_themes_folder() / name_or_path
    if not (builtin / THEME_FILE).is_file():
        import difflib

        names = list_builtin_themes()
        close = difflib.get_close_matches(name_or_path, names, n=1)
        hint = f'did you mean "{close[0]}"?' if close else f"built-in themes: {', '.join(names)}"
        raise ThemeError([Problem(message=f'unknown theme "{name_or_path}"', field="--theme", hint=hint)])
    return builtin


def load_theme(name_or_path: str, relative_to: Path | None = None) -> Theme:
    """Find, read and check a theme; raise ``ThemeError`` with every problem found."""
    from cvbuild.load import load_yaml_file
    from cvbuild.errors import ProfileError
    from cvbuild.validate import problems_from_validation_error

    folder = resolve_theme_folder(name_or_path, relative_to).resolve()
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ThemeError([
            Problem(message=f"the theme is missing {name}", file=folder / name,
                    hint=f"a theme folder holds {', '.join(REQUIRED_FILES)} and its fonts")
            for name in missing
        ])

    try:
        document = load_yaml_file(folder / THEME_FILE)
    except ProfileError as error:
        raise ThemeError(error.problems) from None
    problems = list(document.problems)
    try:
        tokens = ThemeTokens.model_validate(document.data)
    except ValidationError as error:
        problems.extend(problems_from_validation_error(error, document, ThemeTokens))
    if problems:
        raise ThemeError(problems)

    theme = Theme(folder=folder, tokens=tokens)
    _check_theme_files(theme)
    logger.debug("theme %s from %s", theme.name, folder)
    return theme


def _check_theme_files(theme: Theme) -> None:
    problems = []
    font_files = theme.tokens.fonts.files
    for style in ("regular", "bold", "italic", "bold_italic"):
        relative = getattr(font_files, style)
        path = (theme.folder / relative).resolve()
        if not path.is_relative_to(theme.folder):
            problems.append(Problem(
                message=f'the font file "{relative}" is outside the theme folder',
                file=theme.folder / THEME_FILE,
                field=f"fonts.files.{to_camel(style)}",
                hint="copy the font into the theme folder and give its path relative to it",
            ))
        elif not path.is_file():
            problems.append(Problem(
                message=f'the font file "{relative}" does not exist',
                file=theme.folder / THEME_FILE,
                field=f"fonts.files.{to_camel(style)}",
            ))
    if not (theme.folder / theme.tokens.fonts.licence).is_file():
        problems.append(Problem(
            message=f'the font licence "{theme.tokens.fonts.licence}" does not exist',
            file=theme.folder / THEME_FILE,
            field="fonts.licence",
            hint="ship the fonts' licence beside them; fonts without one cannot be redistributed",
        ))
    if problems:
        raise ThemeError(problems)
