"""The résumé as every renderer draws it: sections, entries and bullets, ready to draw.

``build_document_view`` turns a validated ``Profile`` into plain view
objects: dates formatted in the profile's locale, titles chosen, contact
items ordered. The HTML template and the DOCX renderer both draw these same
objects, so the PDF and the Word document print the same words in the same
order. Rich text stays as markup source; renderers draw it with
``cvbuild.markup.parse_inline``.

Every entry and bullet carries a ``key`` (its field path, such as
``work[0].highlights[2]``) that the one-page fitter uses to find it in the
layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cvbuild.dates import format_date_range
from cvbuild.labels import labels_for
from cvbuild.model import (
    DatedModel,
    EducationEntry,
    KeyFigure,
    LanguageEntry,
    Principle,
    Profile,
    ProjectEntry,
    SectionName,
    SkillGroup,
    WorkEntry,
    highlight_text,
)

SectionKind = Literal["figures", "entries", "skills", "languages", "principles"]


@dataclass(frozen=True)
class ContactItem:
    """One item of the contact line: text, and the link it opens if any."""

    text: str
    url: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Bullet:
    key: str
    text: str


@dataclass(frozen=True)
class EntryView:
    """A dated entry: a role, a project or a degree."""

    key: str
    title: str
    organisation: str | None
    organisation_url: str | None
    dates: str
    details: tuple[str, ...]
    summary: str | None
    bullets: tuple[Bullet, ...]
    url: str | None = None


@dataclass(frozen=True)
class LabelledItem:
    """A short item with a name and a value: a skill group, a language, a figure, a principle."""

    key: str
    name: str
    value: str | None
    value_is_markup: bool = False


@dataclass(frozen=True)
class SectionView:
    name: SectionName
    kind: SectionKind
    title: str
    entries: tuple[EntryView, ...] = ()
    items: tuple[LabelledItem, ...] = ()


@dataclass(frozen=True)
class HeaderView:
    name: str
    label: str | None
    contact: tuple[ContactItem, ...]
    summary: str | None


@dataclass(frozen=True)
class DocumentView:
    """Everything a renderer needs, in print order."""

    language: str
    locale: str
    header: HeaderView
    sections: tuple[SectionView, ...] = field(default_factory=tuple)
    keywords: tuple[str, ...] = ()


def build_document_view(profile: Profile) -> DocumentView:
    """Arrange ``profile`` for print; sections follow the order the profile file lists them."""
    locale = profile.settings.locale.replace("-", "_")
    labels = labels_for(locale)
    titles = {**labels.section_titles, **profile.settings.titles}

    def dates_of(entry: DatedModel) -> str:
        return format_date_range(entry.start_date, entry.end_date, locale, labels.present)

    sections = []
    for name in profile.section_order:
        items = profile.section_items(name)
        if not items:
            continue
        title = titles[name]
        match name:
            case "work":
                entries = tuple(_work_view(f"work[{i}]", entry, dates_of(entry)) for i, entry in enumerate(items))
                sections.append(SectionView(name, "entries", title, entries=entries))
            case "projects":
                entries = tuple(_project_view(f"projects[{i}]", entry, dates_of(entry)) for i, entry in enumerate(items))
                sections.append(SectionView(name, "entries", title, entries=entries))
            case "education":
                entries = tuple(_education_view(f"education[{i}]", entry, dates_of(entry)) for i, entry in enumerate(items))
                sections.append(SectionView(name, "entries", title, entries=entries))
            case "keyFigures":
                sections.append(SectionView(name, "figures", title, items=_figure_items(items)))
            case "skills":
                sections.append(SectionView(name, "skills", title, items=_skill_items(items)))
            case "languages":
                sections.append(SectionView(name, "languages", title, items=_language_items(items)))
            case "principles":
                sections.append(SectionView(name, "principles", title, items=_principle_items(items)))

    keywords = tuple(keyword for group in profile.skills for keyword in group.keywords)
    return DocumentView(
        language=locale.split("_")[0],
        locale=locale,
        header=_header_view(profile),
        sections=tuple(sections),
        keywords=keywords,
    )


def _country_name(code: str, locale: str) -> str:
    """Return the country's name in ``locale`` (JP gives Japan in English, Japon in French), or the code if unknown."""
    from babel import Locale

    return Locale.parse(locale).territories.get(code.upper(), code)


def _header_view(profile: Profile) -> HeaderView:
    basics = profile.basics
    contact: list[ContactItem] = []
    if basics.location is not None:
        location = basics.location
        place = ", ".join(part for part in (location.city, location.region) if part)
        locale = profile.settings.locale.replace("-", "_")
        country = _country_name(location.country_code, locale) if location.country_code else None
        text = f"{place}, {country}" if place and country else place or country or ""
        if text:
            contact.append(ContactItem(text))
    if basics.email:
        contact.append(ContactItem(basics.email, f"mailto:{basics.email}"))
    if basics.phone:
        digits = "".join(ch for ch in basics.phone if ch.isdigit() or ch == "+")
        contact.append(ContactItem(basics.phone, f"tel:{digits}"))
    if basics.url:
        contact.append(ContactItem(_display_url(basics.url), basics.url))
    for social in basics.profiles:
        contact.append(ContactItem(_display_url(social.url), social.url, social.network))
    return HeaderView(basics.name, basics.label, tuple(contact), basics.summary)


def _display_url(url: str) -> str:
    """Return the URL as printed: without the scheme, ``www.`` and a trailing slash."""
    text = url.split("://", 1)[-1]
    text = text.removeprefix("www.")
    return text.rstrip("/")


def _bullets(key: str, highlights: list) -> tuple[Bullet, ...]:
    return tuple(Bullet(f"{key}.highlights[{i}]", highlight_text(item)) for i, item in enumerate(highlights))


def _work_view(key: str, entry: WorkEntry, dates: str) -> EntryView:
    details = tuple(part for part in (entry.location, entry.description) if part)
    return EntryView(
        key=key,
        title=entry.position,
        organisation=entry.name,
        organisation_url=entry.url,
        dates=dates,
        details=details,
        summary=entry.summary,
        bullets=_bullets(key, entry.highlights),
    )


def _project_view(key: str, entry: ProjectEntry, dates: str) -> EntryView:
    details = tuple(
        part
        for part in (entry.type, entry.license, ", ".join(entry.roles) or None, entry.entity, ", ".join(entry.keywords))
        if part
    )
    return EntryView(
        key=key,
        title=entry.name,
        organisation=None,
        organisation_url=None,
        dates=dates,
        details=details,
        summary=entry.description,
        bullets=_bullets(key, entry.highlights),
        url=entry.url,
    )


def _education_view(key: str, entry: EducationEntry, dates: str) -> EntryView:
    title = " — ".join(part for part in (entry.study_type, entry.area) if part) or entry.institution
    organisation = entry.institution if title != entry.institution else None
    details = tuple(part for part in (entry.location, entry.score) if part)
    bullets = tuple(Bullet(f"{key}.courses[{i}]", course) for i, course in enumerate(entry.courses))
    return EntryView(
        key=key,
        title=title,
        organisation=organisation,
        organisation_url=entry.url,
        dates=dates,
        details=details,
        summary=None,
        bullets=bullets,
    )


def _figure_items(figures: list[KeyFigure]) -> tuple[LabelledItem, ...]:
    return tuple(LabelledItem(f"keyFigures[{i}]", figure.value, figure.label) for i, figure in enumerate(figures))


def _skill_items(groups: list[SkillGroup]) -> tuple[LabelledItem, ...]:
    items = []
    for i, group in enumerate(groups):
        name = f"{group.name} ({group.level})" if group.level else group.name
        items.append(LabelledItem(f"skills[{i}]", name, ", ".join(group.keywords) or None))
    return tuple(items)


def _language_items(languages: list[LanguageEntry]) -> tuple[LabelledItem, ...]:
    return tuple(
        LabelledItem(f"languages[{i}]", entry.language, entry.fluency) for i, entry in enumerate(languages)
    )


def _principle_items(principles: list[Principle]) -> tuple[LabelledItem, ...]:
    return tuple(
        LabelledItem(f"principles[{i}]", principle.name, principle.summary, value_is_markup=True)
        for i, principle in enumerate(principles)
    )
