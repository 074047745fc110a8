"""Dates as résumés write them: a year, a month, a day, or ``present``.

A date keeps the precision it was written with, so ``2023`` prints as a year
and never grows an invented month or day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

_DATE_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")
PRESENT_SPELLING = "present"


@dataclass(frozen=True)
class PartialDate:
    """A calendar date known to the year, the month, or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """A key that orders dates in time; a missing month or day sorts first."""
        return (self.year, self.month or 0, self.day or 0)

    @property
    def end_sort_key(self) -> tuple[int, int, int]:
        """A key for the last moment the date covers (2023 ends in December)."""
        return (self.year, self.month or 12, self.day or 31)

    def __str__(self) -> str:
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


@dataclass(frozen=True)
class Present:
    """The open end of something still going on."""

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (9999, 12, 31)

    end_sort_key = sort_key

    def __str__(self) -> str:
        return PRESENT_SPELLING


PRESENT = Present()


def parse_profile_date(value: Any) -> PartialDate | Present:
    """Read a date as written in a profile.

    Accepts ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` and ``present`` as text, and
    a year (int) or ``datetime.date`` from Python callers. Raises ``ValueError``
    with the accepted forms otherwise.
    """
    if isinstance(value, (PartialDate, Present)):
        return value
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("a date must be written as text such as 2023-05")

    text = value.strip()
    if text.lower() == PRESENT_SPELLING:
        return PRESENT
    match = _DATE_PATTERN.match(text)
    if match is None:
        raise ValueError("a date must be YYYY, YYYY-MM, YYYY-MM-DD or present")

    year = int(match["year"])
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"month {month} is not between 01 and 12")
    if day is not None:
        try:
            dt.date(year, month or 1, day)
        except ValueError:
            raise ValueError(f"day {day} does not exist in {year:04d}-{month:02d}") from None
    return PartialDate(year, month, day)


ProfileDate = Annotated[
    PartialDate | Present,
    PlainValidator(parse_profile_date),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({
        "type": ["string", "integer"],
        "pattern": r"^(\d{4}(-\d{2}(-\d{2})?)?|present)$",
        "examples": ["2023", "2023-05", "2023-05-14", "present"],
    }),
]
"""A profile date: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or ``present``."""


def format_date(value: PartialDate | Present, locale: str, present_label: str) -> str:
    """Format a date for print at its own precision, in the given locale."""
    if isinstance(value, Present):
        return present_label

    from babel.dates import format_skeleton

    if value.day is not None:
        return format_skeleton("yMMMd", dt.date(value.year, value.month or 1, value.day), locale=locale)
    if value.month is not None:
        return format_skeleton("yMMM", dt.date(value.year, value.month, 1), locale=locale)
    return format_skeleton("y", dt.date(value.year, 1, 1), locale=locale)


def format_date_range(
    start: PartialDate | Present | None,
    end: PartialDate | Present | None,
    locale: str,
    present_label: str,
) -> str:
    """Format ``start – end``; either side may be missing, and equal sides print once."""
    parts = [format_date(value, locale, present_label) for value in (start, end) if value is not None]
    if len(parts) == 2 and parts[0] == parts[1]:
        return parts[0]
    return " – ".join(parts)
