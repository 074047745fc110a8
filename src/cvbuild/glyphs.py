"""Warn when the profile uses characters that the theme's fonts cannot draw.

A theme embeds its own fonts, so a character they lack (Japanese text in a
Latin font, say) prints from whatever fallback font the machine has, or as
an empty box when it has none. Rendering goes on, and the warning names
the characters and what to do.
"""

from __future__ import annotations

import dataclasses
import logging
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# The number of missing characters the warning lists before it adds "and N more".
SHOWN_CHARACTERS = 12


@lru_cache(maxsize=16)
def font_characters(font_path: Path) -> frozenset[int]:
    """Return the code points a font file maps to glyphs."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font_path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def view_strings(value: Any) -> Iterator[str]:
    """Yield every string inside a document view, however deeply nested."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from view_strings(getattr(value, field.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from view_strings(item)


def missing_characters(texts: Iterable[str], covered: frozenset[int]) -> list[str]:
    """Return the distinct printable characters of ``texts`` that ``covered`` lacks, in order of first use."""
    missing: dict[str, None] = {}
    for text in texts:
        for character in text:
            if ord(character) in covered or character.isspace():
                continue
            if unicodedata.category(character).startswith("C"):
                continue
            missing.setdefault(character, None)
    return list(missing)


def warn_about_missing_glyphs(view: Any, font_path: Path, family: str) -> list[str]:
    """Log one warning listing the characters of ``view`` that the font cannot draw; return them."""
    missing = missing_characters(view_strings(view), font_characters(font_path))
    if missing:
        shown = " ".join(f"{character} (U+{ord(character):04X})" for character in missing[:SHOWN_CHARACTERS])
        more = f" and {len(missing) - SHOWN_CHARACTERS} more" if len(missing) > SHOWN_CHARACTERS else ""
        logger.warning(
            "the theme's font %s has no glyph for %d characters of the profile: %s%s. They print in a "
            "fallback font installed on this machine, or as empty boxes where there is none; use a theme "
            "whose fonts cover them, or install one such as Noto Sans CJK (Debian package fonts-noto-cjk)",
            family, len(missing), shown, more,
        )
    return missing
