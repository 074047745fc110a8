"""The inline markup allowed in profile text, parsed once into styled runs.

Profile text may use a small Markdown subset: ``**bold**``, ``*italic*``,
```code```, ``[links](https://…)`` and ``<https://…>``. Everything else is
literal text: raw HTML, images and character entities are not interpreted,
so ``<b>`` or ``&amp;`` print exactly as typed. The HTML and DOCX renderers
both draw the runs returned here, so the two documents agree on every word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

ALLOWED_LINK_SCHEMES = ("http", "https", "mailto", "tel")


@dataclass(frozen=True)
class Run:
    """A stretch of text with one set of styles."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: str | None = None


class MarkupError(ValueError):
    """Profile text uses markup that cannot be printed safely."""


def _build_parser() -> MarkdownIt:
    parser = MarkdownIt("zero", {"html": False, "typographer": False, "linkify": False})
    parser.enable(["emphasis", "backticks", "link", "autolink", "escape", "newline"])
    # markdown-it drops links it considers unsafe and prints their source as
    # text; cvbuild checks every target itself and reports the bad ones.
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    parser.normalizeLink = lambda url: url  # type: ignore[method-assign]
    return parser


_PARSER = _build_parser()


def check_link(url: str) -> str:
    """Return ``url`` if it is absolute and of an allowed scheme; raise ``MarkupError`` otherwise."""
    target = url.strip()
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ALLOWED_LINK_SCHEMES:
        allowed = ", ".join(f"{name}:" for name in ALLOWED_LINK_SCHEMES)
        if target.startswith("//"):
            raise MarkupError(f'the link "{url}" has no scheme; write it as https:{target}')
        if target.startswith(("/", ".")):
            raise MarkupError(
                f'the link "{url}" is a path, which a document cannot open; write the full address with https://'
            )
        if not scheme:
            raise MarkupError(
                f'the link "{url}" is not absolute; write it with its scheme, for example https://{target}'
            )
        raise MarkupError(f'the link "{url}" uses the scheme "{scheme}:"; allowed schemes are {allowed}')
    if scheme in ("http", "https") and not urlsplit(target).netloc:
        raise MarkupError(f'the link "{url}" has no host name')
    return target


@lru_cache(maxsize=4096)
def parse_inline(text: str) -> tuple[Run, ...]:
    """Parse ``text`` into runs; raise ``MarkupError`` for a link that is not allowed."""
    runs: list[Run] = []
    tokens = _PARSER.parseInline(text)
    children = tokens[0].children if tokens and tokens[0].children else []

    bold = italic = 0
    link: str | None = None
    for token in children:
        match token.type:
            case "text":
                runs.append(Run(token.content, bold > 0, italic > 0, False, link))
            case "code_inline":
                runs.append(Run(token.content, bold > 0, italic > 0, True, link))
            case "softbreak" | "hardbreak":
                runs.append(Run(" ", bold > 0, italic > 0, False, link))
            case "strong_open":
                bold += 1
            case "strong_close":
                bold -= 1
            case "em_open":
                italic += 1
            case "em_close":
                italic -= 1
            case "link_open":
                link = check_link(str(token.attrs.get("href", "")))
            case "link_close":
                link = None
            case _:
                runs.append(Run(token.content, bold > 0, italic > 0, False, link))
    return _merge_adjacent(runs)


def _merge_adjacent(runs: list[Run]) -> tuple[Run, ...]:
    """Join neighbouring runs of the same style, so renderers emit fewer spans."""
    merged: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        previous = merged[-1] if merged else None
        same_style = previous is not None and (
            previous.bold, previous.italic, previous.code, previous.link
        ) == (run.bold, run.italic, run.code, run.link)
        if same_style:
            merged[-1] = Run(previous.text + run.text, run.bold, run.italic, run.code, run.link)
        else:
            merged.append(run)
    return tuple(merged)


def plain_text(text: str) -> str:
    """Return the words of ``text`` without markup, as they print."""
    return "".join(run.text for run in parse_inline(text))
