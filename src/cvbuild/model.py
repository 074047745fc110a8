"""The profile's data contract: the Pydantic models a YAML profile must match.

Field names follow JSON Resume (https://jsonresume.org/schema) wherever it
has a term, so a JSON Resume user recognises ``basics``, ``work``,
``startDate`` and ``highlights``. Extensions that JSON Resume lacks are
documented as such in their descriptions: ``settings``, ``keyFigures``,
``principles``, ``license``, the ``present`` end date, and the one-page
variant's ``priority`` and ``short`` marks.

The models are strict: an unknown key is an error, and keys are accepted
only in their camelCase spelling.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from cvbuild.dates import PartialDate, Present, ProfileDate
from cvbuild.markup import MarkupError, check_link, parse_inline

# Characters that XML 1.0 (and so DOCX) cannot hold, and that no printed
# résumé wants: C0 controls except tab and newline, plus DEL and C1 controls.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def _reject_control_characters(text: str) -> str:
    found = _CONTROL_CHARACTERS.search(text)
    if found is not None:
        raise ValueError(
            f"the text contains the control character U+{ord(found.group()):04X}, "
            "which cannot be printed; delete it (it often comes from copy and paste)"
        )
    return text


def _check_markup(text: str) -> str:
    try:
        parse_inline(text)
    except MarkupError as error:
        raise ValueError(str(error)) from None
    return text


def _check_url(text: str) -> str:
    try:
        return check_link(text)
    except MarkupError as error:
        raise ValueError(str(error)) from None


def _check_locale(code: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise ValueError(f'"{code}" is not a known locale; write a code such as en, en_GB, fr or ja') from None
    return code


PlainText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(_reject_control_characters),
]
"""Text printed as written, without markup."""

RichText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(_reject_control_characters),
    AfterValidator(_check_markup),
    Field(json_schema_extra={"format": "markdown-inline"}),
]
"""Text that may carry **bold**, *italic*, `code` and [links](https://…)."""

Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(_reject_control_characters),
    AfterValidator(_check_url),
    Field(json_schema_extra={"format": "uri"}),
]
"""An absolute http, https, mailto or tel link."""


class Priority(str, Enum):
    """Importance of an item when the one-page variant must drop things."""

    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class ShortRule(str, Enum):
    """Whether an item appears in the one-page variant."""

    AUTO = "auto"
    INCLUDE = "include"
    EXCLUDE = "exclude"


class ProfileModel(BaseModel):
    """Base of every profile model: strict keys, camelCase names, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        use_enum_values=False,
    )


class SelectableModel(ProfileModel):
    """An item that the one-page variant may keep or drop."""

    priority: Priority | None = Field(
        default=None,
        description=(
            "cvbuild extension. How important this item is for the one-page variant: "
            "high, normal or low. Low items are dropped first. Left out, an entry takes its "
            "section's priority (settings.short.sections, else normal) and a bullet is normal. "
            "Anything inside a low entry or section counts as low."
        ),
    )
    short: ShortRule = Field(
        default=ShortRule.AUTO,
        description=(
            "cvbuild extension. auto lets the one-page fitter decide; include keeps the "
            "item in the one-page variant whatever the space; exclude leaves it out of it. "
            "The full variant always prints the item."
        ),
    )


class Highlight(SelectableModel):
    """A bullet written as a mapping, to give it a priority or a short rule."""

    text: RichText = Field(description="The bullet's text. Inline markup is allowed.")


# The tags name the two spellings of a bullet in Pydantic's error locations;
# cvbuild.validate removes them, so they must not collide with a field name.
BULLET_AS_TEXT = "bullet-as-text"
BULLET_AS_MAPPING = "bullet-as-mapping"

HighlightItem = Annotated[
    Annotated[RichText, Tag(BULLET_AS_TEXT)] | Annotated[Highlight, Tag(BULLET_AS_MAPPING)],
    Discriminator(lambda value: BULLET_AS_MAPPING if isinstance(value, (dict, Highlight)) else BULLET_AS_TEXT),
]
"""A bullet: plain text, or a mapping with ``text`` plus ``priority``/``short``."""

HIGHLIGHTS_DESCRIPTION = (
    "Achievements, one bullet each; start each with a verb. A bullet is text, or a "
    "mapping with text, priority and short to steer the one-page variant."
)


def highlight_text(item: str | Highlight) -> str:
    """Return the text of a bullet, whichever way it was written."""
    return item.text if isinstance(item, Highlight) else item


class DatedModel(SelectableModel):
    """An entry with an optional date range; checks that the range runs forward."""

    start_date: ProfileDate | None = Field(
        default=None,
        description="Start: YYYY, YYYY-MM or YYYY-MM-DD. Printed at the precision written.",
    )
    end_date: ProfileDate | None = Field(
        default=None,
        description=(
            "End: YYYY, YYYY-MM, YYYY-MM-DD, or present (a cvbuild extension) for "
            "something ongoing. Leave out for a single date."
        ),
    )

    @field_validator("start_date")
    @classmethod
    def _check_start_not_present(cls, start: PartialDate | Present | None) -> PartialDate | Present | None:
        if isinstance(start, Present):
            raise ValueError("startDate cannot be present; write the date it began, such as 2024-06")
        return start

    @field_validator("end_date")
    @classmethod
    def _check_end_after_start(
        cls, end: PartialDate | Present | None, info: ValidationInfo
    ) -> PartialDate | Present | None:
        # Checked on the end date itself, so the error points at endDate and
        # is reported even when other fields of the entry are invalid.
        start = info.data.get("start_date")
        if isinstance(start, PartialDate) and end is not None and end.end_sort_key < start.sort_key:
            raise ValueError(f"endDate {end} is before startDate {start}; swap them or correct one")
        return end

    @property
    def is_ongoing(self) -> bool:
        return isinstance(self.end_date, Present)

    @property
    def recency_key(self) -> tuple[int, int, int]:
        """Orders entries by how recent they are; ongoing ones count as the most recent."""
        latest = self.end_date or self.start_date
        return latest.end_sort_key if latest is not None else (0, 0, 0)


class Location(ProfileModel):
    """Place where the person is based; the given parts print in this order."""

    address: PlainText | None = Field(default=None, description="Street address. Usually left out of a résumé.")
    postal_code: PlainText | None = Field(default=None, description="Postal code.")
    city: PlainText | None = Field(default=None, description="City, for example Tokyo.")
    region: PlainText | None = Field(default=None, description="Region, state or prefecture.")
    country_code: PlainText | None = Field(
        default=None, description="ISO 3166-1 alpha-2 country code, for example JP."
    )


class SocialProfile(ProfileModel):
    """A public profile or site, printed in the contact line."""

    network: PlainText = Field(description="The site's name, for example GitHub or PyPI.")
    username: PlainText | None = Field(default=None, description="The user name on that site.")
    url: Url = Field(description="The profile's address, with https://.")


class Basics(ProfileModel):
    """The header: who the person is and how to reach them."""

    name: PlainText = Field(description="Full name, as printed at the top and in the file name.")
    label: PlainText | None = Field(
        default=None, description="Headline under the name, for example Platform Engineer."
    )
    image: PlainText | None = Field(
        default=None,
        description="Photo file, relative to the profile's folder. Only themes that show photos use it.",
    )
    email: PlainText | None = Field(default=None, description="E-mail address; printed as a mailto: link.")
    phone: PlainText | None = Field(
        default=None, description="Phone number as it should print, for example +81 90 1234 5678."
    )
    url: Url | None = Field(default=None, description="Personal website or portfolio.")
    summary: RichText | None = Field(
        default=None, description="Two or three sentences under the header. Inline markup is allowed."
    )
    location: Location | None = Field(default=None, description="Where the person is based.")
    profiles: list[SocialProfile] = Field(
        default_factory=list, description="Public profiles and sites, in the order they print."
    )

    @model_validator(mode="after")
    def _check_email(self) -> Basics:
        if self.email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.email):
            raise ValueError(f'email "{self.email}" is not an e-mail address such as name@example.com')
        return self


class KeyFigure(SelectableModel):
    """cvbuild extension: one headline number, such as "7+ years engineering"."""

    value: PlainText = Field(description='The figure, printed large: "7+", "~70%", "GCP·AWS".')
    label: PlainText = Field(description='What the figure counts: "Years engineering".')


class WorkEntry(DatedModel):
    """A role at an employer (JSON Resume: work)."""

    name: PlainText = Field(description="The employer.")
    position: PlainText = Field(description="The job title.")
    location: PlainText | None = Field(default=None, description="Where the role was, for example Minato, Tokyo.")
    url: Url | None = Field(default=None, description="The employer's website.")
    description: PlainText | None = Field(
        default=None, description="A short note on the employer, printed after its name."
    )
    summary: RichText | None = Field(
        default=None, description="One or two sentences on the role. Inline markup is allowed."
    )
    highlights: list[HighlightItem] = Field(default_factory=list, description=HIGHLIGHTS_DESCRIPTION)


class EducationEntry(DatedModel):
    """A degree or certificate (JSON Resume: education)."""

    institution: PlainText = Field(description="The school or university.")
    url: Url | None = Field(default=None, description="The institution's website.")
    area: PlainText | None = Field(default=None, description="The field of study.")
    study_type: PlainText | None = Field(default=None, description="The degree, for example Bachelor's or DUT.")
    location: PlainText | None = Field(default=None, description="cvbuild extension. Where the school is.")
    score: PlainText | None = Field(default=None, description="Grade or GPA, as it should print.")
    courses: list[PlainText] = Field(default_factory=list, description="Notable courses.")


class ProjectEntry(DatedModel):
    """A project or product (JSON Resume: projects)."""

    name: PlainText = Field(description="The project's name.")
    description: RichText | None = Field(
        default=None, description="What the project is, in a sentence or two. Inline markup is allowed."
    )
    highlights: list[HighlightItem] = Field(default_factory=list, description=HIGHLIGHTS_DESCRIPTION)
    keywords: list[PlainText] = Field(default_factory=list, description="Technologies, printed as a list.")
    url: Url | None = Field(default=None, description="Where the project can be seen.")
    roles: list[PlainText] = Field(default_factory=list, description="The person's roles, for example Co-founder.")
    entity: PlainText | None = Field(default=None, description="The organisation behind the project, if any.")
    type: PlainText | None = Field(
        default=None, description="What kind of project: open source, product, application."
    )
    license: PlainText | None = Field(
        default=None, description="cvbuild extension. The licence, for example Apache-2.0 or MIT."
    )


class SkillGroup(SelectableModel):
    """A group of related skills (JSON Resume: skills)."""

    name: PlainText = Field(description="The group's name, for example Cloud & Kubernetes.")
    level: PlainText | None = Field(default=None, description="Optional level, for example Expert.")
    keywords: list[PlainText] = Field(default_factory=list, description="The skills, in the order they print.")


class LanguageEntry(SelectableModel):
    """A spoken language (JSON Resume: languages)."""

    language: PlainText = Field(description="The language, for example Japanese.")
    fluency: PlainText | None = Field(default=None, description="The level, for example native or elementary.")


class Principle(SelectableModel):
    """cvbuild extension: a working principle, printed with its explanation."""

    name: PlainText = Field(description="The principle in a few words.")
    summary: RichText | None = Field(default=None, description="One sentence on what it means in practice.")


SectionName = Literal["keyFigures", "skills", "work", "projects", "education", "languages", "principles"]
SECTION_NAMES: tuple[SectionName, ...] = (
    "keyFigures", "skills", "work", "projects", "education", "languages", "principles",
)


class ShortSettings(ProfileModel):
    """cvbuild extension: how the one-page variant chooses what to keep."""

    sections: dict[SectionName, Priority] = Field(
        default_factory=dict,
        description=(
            "Priority of whole sections in the one-page variant, for example {principles: low}. "
            "Every item in a low section counts as low. Sections not named here are normal."
        ),
    )
    latest_roles: int = Field(
        default=2,
        ge=0,
        le=20,
        description=(
            "How many of the most recent roles (work entries, ongoing ones first) the one-page "
            "variant always keeps, each with its first bullet."
        ),
    )


class Settings(ProfileModel):
    """cvbuild extension: how this profile is compiled."""

    theme: PlainText = Field(
        default="classic",
        description="A built-in theme's name or a theme folder's path; --theme overrides it.",
    )
    locale: Annotated[PlainText, AfterValidator(_check_locale)] = Field(
        default="en",
        description="Language of dates and section titles, as a locale code such as en, fr, en_GB or ja.",
    )
    titles: dict[SectionName, PlainText] = Field(
        default_factory=dict,
        description="Section titles that replace the theme's, for example {work: Career}.",
    )
    short: ShortSettings = Field(
        default_factory=ShortSettings,
        description="How the one-page variant (--short) chooses what to keep.",
    )


class Profile(ProfileModel):
    """A whole career profile: the document cvbuild compiles."""

    model_config = ConfigDict(title="cvbuild profile")

    settings: Settings = Field(default_factory=Settings, description="cvbuild extension. How to compile the profile.")
    basics: Basics = Field(description="The header: name, headline, contact line and summary.")
    key_figures: list[KeyFigure] = Field(
        default_factory=list, description="cvbuild extension. Headline numbers, printed in one row."
    )
    skills: list[SkillGroup] = Field(default_factory=list, description="Skills in named groups.")
    work: list[WorkEntry] = Field(default_factory=list, description="Roles, in the order they print (newest first).")
    projects: list[ProjectEntry] = Field(default_factory=list, description="Projects and products.")
    education: list[EducationEntry] = Field(default_factory=list, description="Degrees and certificates.")
    languages: list[LanguageEntry] = Field(default_factory=list, description="Spoken languages.")
    principles: list[Principle] = Field(
        default_factory=list, description="cvbuild extension. Working principles."
    )

    _section_order: tuple[SectionName, ...] = PrivateAttr(default=SECTION_NAMES)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_section_order(cls, data: Any, handler: Any) -> Profile:
        profile: Profile = handler(data)
        if isinstance(data, dict):
            written = tuple(key for key in data if key in SECTION_NAMES)
            missing = tuple(name for name in SECTION_NAMES if name not in written)
            profile._section_order = written + missing
        return profile

    @property
    def section_order(self) -> tuple[SectionName, ...]:
        """Section names in the order the profile file lists them."""
        return self._section_order

    def section_items(self, name: SectionName) -> list[Any]:
        """Return the entries of the section stored under the YAML key ``name``."""
        return list(getattr(self, _FIELD_BY_SECTION[name]))


_FIELD_BY_SECTION: dict[str, str] = {
    alias: field_name
    for field_name, info in Profile.model_fields.items()
    if (alias := info.alias or field_name) in SECTION_NAMES
}
