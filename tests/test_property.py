"""Generated profile-shaped YAML, random Unicode included: the CLI builds or reports, never crashes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cvbuild.cli import app

runner = CliRunner()

FIELD_NAMES = ["name", "position", "startDate", "endDate", "highlights", "summary", "url", "label",
               "priority", "short", "location", "keywords", "nmae", "start_date", "level"]
DATE_TEXTS = st.sampled_from(["2020", "2020-05", "2020-05-14", "present", "2020-13", "May 2020", "", "1999-02-29"])
URLS = st.sampled_from(["https://example.com", "mailto:a@b.co", "javascript:x", "example.com", "tel:+81", "file:///x"])
TEXT = st.text(min_size=0, max_size=40)
MARKUP = st.lists(
    st.one_of(TEXT, st.sampled_from(["**", "*", "`", "[x](https://a.b)", "[y](ftp://z)", "<b>", "&amp;", "\\"])),
    max_size=6,
).map("".join)
SCALARS = st.one_of(TEXT, MARKUP, DATE_TEXTS, URLS, st.integers(), st.booleans(), st.none())


def _entry() -> st.SearchStrategy[dict]:
    known = st.fixed_dictionaries(
        {"name": TEXT, "position": TEXT},
        optional={
            "startDate": DATE_TEXTS,
            "endDate": DATE_TEXTS,
            "highlights": st.lists(st.one_of(MARKUP, st.fixed_dictionaries({"text": MARKUP}, optional={
                "priority": st.sampled_from(["high", "normal", "low", "urgent"]),
                "short": st.sampled_from(["auto", "include", "exclude", "maybe"]),
            })), max_size=4),
            "url": URLS,
            "summary": MARKUP,
        },
    )
    noise = st.dictionaries(st.sampled_from(FIELD_NAMES), SCALARS, max_size=2)
    return st.tuples(known, noise).map(lambda pair: {**pair[0], **pair[1]})


PROFILES = st.fixed_dictionaries(
    {"basics": st.fixed_dictionaries({"name": TEXT}, optional={"label": TEXT, "summary": MARKUP, "url": URLS})},
    optional={
        "work": st.lists(_entry(), max_size=3),
        "skills": st.lists(st.fixed_dictionaries({"name": TEXT, "keywords": st.lists(TEXT, max_size=3)}), max_size=2),
        "languages": st.lists(st.fixed_dictionaries({"language": TEXT}, optional={"fluency": SCALARS}), max_size=2),
        "settings": st.fixed_dictionaries({}, optional={"locale": st.sampled_from(["en", "fr", "ja", "xx"])}),
    },
)


def _yaml_text(data: dict, cut: int | None, insert: str) -> str:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if cut is not None:
        position = cut % (len(text) + 1)
        text = text[:position] + insert + text[position:]
    return text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=PROFILES, cut=st.one_of(st.none(), st.integers(min_value=0)), insert=st.text(max_size=3))
def test_cli_builds_or_reports(data: dict, cut: int | None, insert: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        profile = Path(folder) / "cv" / "profile.yaml"
        profile.parent.mkdir()
        profile.write_text(_yaml_text(data, cut, insert), encoding="utf-8")
        output = Path(folder) / "out"
        result = runner.invoke(app, ["pdf", "--profile", str(profile), "--output", str(output)])

        assert result.exit_code in (0, 2), result.output
        assert "internal error" not in result.output
        assert "Traceback" not in result.output
        written = sorted(path.name for path in output.iterdir()) if output.exists() else []
        if result.exit_code == 0:
            assert len(written) == 1
            assert written[0].endswith("CV.pdf")
        else:
            assert written == []
            assert "error:" in result.output
