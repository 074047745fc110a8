"""HTML rendering: escaping exactly once, inline markup, and the theme template."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvbuild.markup import MarkupError, Run, parse_inline, plain_text
from cvbuild.render.html import render_html, render_inline_html
from cvbuild.render.view import build_document_view
from cvbuild.theme import load_theme
from cvbuild.validate import load_profile
from tests.conftest import MINIMAL_PROFILE, write_profile

TRICKY = "<script>alert('x')</script> & &amp; \"quoted\" {{ 7*7 }} {% raw %} R&D <b>"


def test_inline_markup_runs() -> None:
    runs = parse_inline("Cut costs **~70%** with *care* and `code` via [site](https://example.com).")
    assert Run("~70%", bold=True) in runs
    assert Run("care", italic=True) in runs
    assert Run("code", code=True) in runs
    assert Run("site", link="https://example.com") in runs
    assert plain_text("Cut **costs**") == "Cut costs"


def test_inline_markup_leaves_html_literal() -> None:
    assert plain_text(TRICKY) == TRICKY


def test_inline_markup_rejects_bad_link() -> None:
    with pytest.raises(MarkupError):
        parse_inline("[x](javascript:alert(1))")


def test_inline_html_escapes_once() -> None:
    rendered = str(render_inline_html(TRICKY))
    assert "<script>" not in rendered
    assert html.unescape(rendered) == TRICKY


def test_profile_text_escaped_once_in_page(tmp_path: Path) -> None:
    text = MINIMAL_PROFILE.replace(
        "label: Engineer", "label: \"<script>alert('x')</script> & &amp; {{ 7*7 }}\""
    ).replace("- Built things.", "- 'Fixed <div> & &lt; bugs'")
    profile = load_profile(write_profile(tmp_path, text))
    page = render_html(build_document_view(profile), load_theme("classic"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &amp;amp; {{ 7*7 }}" in page
    assert "Fixed &lt;div&gt; &amp; &amp;lt; bugs" in page


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_inline_html_round_trips_plain_text(text: str) -> None:
    """Whatever the characters, the rendered text reads back as the parsed plain text."""
    try:
        runs = parse_inline(text)
    except MarkupError:
        return
    rendered = str(render_inline_html(text))
    stripped = _strip_tags(rendered)
    assert html.unescape(stripped) == "".join(run.text for run in runs)


def _strip_tags(markup: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", markup)


@pytest.mark.parametrize(
    ("link", "advice"),
    [("//example.com/x", "https://example.com/x"), ("/relative/page", "full address"), ("example.com", "https://example.com")],
)
def test_link_without_scheme_gets_right_advice(link: str, advice: str) -> None:
    with pytest.raises(MarkupError) as caught:
        parse_inline(f"[x]({link})")
    assert advice in str(caught.value)
