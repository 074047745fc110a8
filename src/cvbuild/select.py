"""Choose what the one-page variant keeps: a pure function from Profile to Profile.

Every entry, bullet, role summary and list item of the profile is an
*item*. ``rank_items`` puts them in keep order, most important first:

1. must-keep items: everything marked ``short: include``, and the
   ``settings.short.latestRoles`` most recent roles with their first bullet;
2. then by priority, high before normal before low. An entry without a
   priority takes its section's (``settings.short.sections``, else
   normal); a bullet or role summary without one is normal. Anything
   inside a low entry or section counts as low, whatever its own priority;
3. among equals, breadth first: every entry's heading before any entry's
   first bullet, every first bullet before any second one, so that the
   page shows the whole career before it shows detail;
4. then by section order in the file, then by position in the section.

Items marked ``short: exclude`` are never kept. The fitter keeps a prefix
of this order (plus smaller items that still fit), so the same profile
always gives the same selection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from cvbuild.model import (
    DatedModel,
    Highlight,
    Priority,
    Profile,
    SectionName,
    ShortRule,
    WorkEntry,
    highlight_text,
)

_PRIORITY_RANK = {Priority.HIGH: 0, Priority.NORMAL: 1, Priority.LOW: 2}
_PRIORITY_BY_RANK = {rank: priority for priority, rank in _PRIORITY_RANK.items()}
_SECTIONS_WITH_ENTRIES = ("work", "projects", "education")
_SUMMARY_DEPTH = 1.5  # a role summary ranks after the first bullets and before the second ones


@dataclass(frozen=True)
class Item:
    """One thing the one-page variant may keep or drop."""

    key: str
    section: SectionName
    entry_index: int
    depth: float
    """0 for an entry or list item, n + 1 for bullet n, 1.5 for a role summary."""
    parent: str | None
    priority: Priority
    must_keep: bool
    excluded: bool
    label: str
    """A few words that identify the item to a reader: a title or the start of a bullet."""

    @property
    def description(self) -> str:
        return f"{self.key} {self.label}"



def _effective(own: Priority | None, inherited: Priority) -> Priority:
    """``own`` if set, else ``inherited``; low whenever ``inherited`` is low."""
    if inherited is Priority.LOW:
        return Priority.LOW
    return own if own is not None else inherited


def _shorten(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _latest_role_indexes(profile: Profile) -> set[int]:
    count = profile.settings.short.latest_roles
    by_recency = sorted(
        range(len(profile.work)),
        key=lambda index: (profile.work[index].recency_key, -index),
        reverse=True,
    )
    return set(by_recency[:count])


def parse_item_key(key: str) -> tuple[str | int, ...]:
    """Return the field path of an item key: ``work[2].highlights[0]`` gives ``("work", 2, "highlights", 0)``."""
    path: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z]+)|\[(\d+)\]", key):
        path.append(name if name else int(index))
    return tuple(path)


def collect_items(profile: Profile) -> list[Item]:
    """Collect every selectable item of ``profile``, in document order."""
    section_priorities = profile.settings.short.sections
    latest_roles = _latest_role_indexes(profile)
    items: list[Item] = []

    for section in profile.section_order:
        section_priority = section_priorities.get(section, Priority.NORMAL)
        for entry_index, entry in enumerate(profile.section_items(section)):
            entry_key = f"{section}[{entry_index}]"
            entry_priority = _effective(entry.priority, section_priority)
            entry_included = entry.short is ShortRule.INCLUDE
            is_latest_role = section == "work" and entry_index in latest_roles
            entry_excluded = entry.short is ShortRule.EXCLUDE
            items.append(Item(
                key=entry_key,
                section=section,
                entry_index=entry_index,
                depth=0,
                parent=None,
                priority=entry_priority,
                must_keep=(entry_included or is_latest_role) and not entry_excluded,
                excluded=entry_excluded,
                label=_describe_entry(entry),
            ))
            if section in _SECTIONS_WITH_ENTRIES:
                items.extend(_entry_children(entry, entry_key, section, entry_index, entry_priority,
                                             is_latest_role, entry_excluded))

    return items


def _entry_children(
    entry: DatedModel,
    entry_key: str,
    section: SectionName,
    entry_index: int,
    entry_priority: Priority,
    is_latest_role: bool,
    entry_excluded: bool,
) -> list[Item]:
    children: list[Item] = []
    if isinstance(entry, WorkEntry) and entry.summary:
        children.append(Item(
            key=f"{entry_key}.summary",
            section=section,
            entry_index=entry_index,
            depth=_SUMMARY_DEPTH,
            parent=entry_key,
            priority=Priority.LOW if entry_priority is Priority.LOW else Priority.NORMAL,
            must_keep=False,
            excluded=entry_excluded,
            label=f"\"{_shorten(entry.summary)}\"",
        ))

    bullets = list(getattr(entry, "highlights", None) or getattr(entry, "courses", None) or [])
    field_name = "highlights" if getattr(entry, "highlights", None) else "courses"
    first_kept_bullet = True
    for bullet_index, bullet in enumerate(bullets):
        own_priority = bullet.priority if isinstance(bullet, Highlight) else None
        inherited = Priority.LOW if entry_priority is Priority.LOW else Priority.NORMAL
        rule = bullet.short if isinstance(bullet, Highlight) else ShortRule.AUTO
        excluded = entry_excluded or rule is ShortRule.EXCLUDE
        must_keep = not excluded and (
            rule is ShortRule.INCLUDE or (is_latest_role and first_kept_bullet)
        )
        if not excluded:
            first_kept_bullet = False
        key = f"{entry_key}.{field_name}[{bullet_index}]"
        children.append(Item(
            key=key,
            section=section,
            entry_index=entry_index,
            depth=bullet_index + 1,
            parent=entry_key,
            priority=_effective(own_priority, inherited),
            must_keep=must_keep,
            excluded=excluded,
            label=f"\"{_shorten(highlight_text(bullet))}\"",
        ))
    return children


def _describe_entry(entry: Any) -> str:
    for attribute in ("position", "name", "institution", "language", "value"):
        value = getattr(entry, attribute, None)
        if value:
            employer = getattr(entry, "name", None) if attribute == "position" else None
            return f'"{value} — {employer}"' if employer else f'"{_shorten(value)}"'
    return ""


def rank_items(items: list[Item]) -> list[Item]:
    """Items in keep order, most important first; excluded items are left out.

    A bullet cannot print without its heading, so an entry ranks at least
    as high as its best bullet, and a must-keep bullet makes its entry
    must-keep.
    """
    must_keep_parents = {item.parent for item in items if item.must_keep and item.parent}
    best_child_rank: dict[str, int] = {}
    for item in items:
        if item.parent is not None and not item.excluded:
            rank = _PRIORITY_RANK[item.priority]
            best_child_rank[item.parent] = min(rank, best_child_rank.get(item.parent, rank))

    promoted = []
    for item in items:
        if item.key in must_keep_parents and not item.excluded:
            item = replace(item, must_keep=True)
        child_rank = best_child_rank.get(item.key)
        if child_rank is not None and child_rank < _PRIORITY_RANK[item.priority]:
            item = replace(item, priority=_PRIORITY_BY_RANK[child_rank])
        promoted.append(item)
    candidates = [item for item in promoted if not item.excluded]
    section_rank = {section: rank for rank, section in enumerate(dict.fromkeys(item.section for item in items))}

    def keep_order(item: Item) -> tuple[Any, ...]:
        return (
            not item.must_keep,
            _PRIORITY_RANK[item.priority],
            item.depth,
            section_rank[item.section],
            item.entry_index,
        )

    return sorted(candidates, key=keep_order)


def closed_selection(keys: set[str], items_by_key: dict[str, Item]) -> set[str]:
    """``keys`` without the children whose parent is not selected."""
    return {
        key for key in keys
        if items_by_key[key].parent is None or items_by_key[key].parent in keys
    }


def select_profile(profile: Profile, kept_keys: set[str]) -> Profile:
    """Return a copy of ``profile`` that contains only the items in ``kept_keys``, in their original order."""
    updates: dict[str, Any] = {}
    for section in profile.section_order:
        field_name = _field_name(section)
        kept_entries = []
        for entry_index, entry in enumerate(profile.section_items(section)):
            entry_key = f"{section}[{entry_index}]"
            if entry_key not in kept_keys:
                continue
            kept_entries.append(_select_children(entry, entry_key, kept_keys))
        updates[field_name] = kept_entries
    return profile.model_copy(update=updates)


def _select_children(entry: Any, entry_key: str, kept_keys: set[str]) -> Any:
    updates: dict[str, Any] = {}
    if isinstance(entry, WorkEntry) and entry.summary and f"{entry_key}.summary" not in kept_keys:
        updates["summary"] = None
    for field_name in ("highlights", "courses"):
        values = getattr(entry, field_name, None)
        if values:
            updates[field_name] = [
                value for index, value in enumerate(values) if f"{entry_key}.{field_name}[{index}]" in kept_keys
            ]
    return entry.model_copy(update=updates) if updates else entry


def _field_name(section: SectionName) -> str:
    return {"keyFigures": "key_figures"}.get(section, section)
