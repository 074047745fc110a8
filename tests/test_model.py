"""The data contract: strict keys, dates, order, and text checks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from cvbuild.dates import PRESENT, PartialDate, format_date, format_date_range, parse_profile_date
from cvbuild.errors import ProfileError
from cvbuild.model import Profile
from cvbuild.schema import profile_json_schema
from cvbuild.validate import load_profile
from tests.conftest import MINIMAL_PROFILE, OWNER_PROFILE, REPOSITORY, write_profile


def _profile(tmp_path: Path, text: str) -> Profile:
    return load_profile(write_profile(tmp_path, text))


def _problems(tmp_path: Path, text: str) -> list:
    with pytest.raises(ProfileError) as caught:
        _profile(tmp_path, text)
    return list(caught.value.problems)


def test_owner_profile_validates() -> None:
    profile = load_profile(OWNER_PROFILE)
    assert profile.basics.name == "Mansa Camara"
    assert len(profile.work) == 6
    assert len(profile.projects) == 4
    assert len(profile.education) == 3
    assert len(profile.languages) == 3
    assert len(profile.principles) == 4


def test_owner_profile_has_no_invented_contact() -> None:
    profile = load_profile(OWNER_PROFILE)
    assert profile.basics.email is None
    assert profile.basics.phone is None


def test_owner_profile_starts_with_modeline() -> None:
    first_line = OWNER_PROFILE.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../schema/profile.schema.json"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2023", PartialDate(2023)),
        ("2023-05", PartialDate(2023, 5)),
        ("2023-05-14", PartialDate(2023, 5, 14)),
        ("present", PRESENT),
        ("Present", PRESENT),
        (2023, PartialDate(2023)),
        (dt.date(2023, 5, 14), PartialDate(2023, 5, 14)),
    ],
)
def test_date_forms_accepted(written: object, expected: object) -> None:
    assert parse_profile_date(written) == expected


@pytest.mark.parametrize("written", ["2023-13", "2023-02-30", "May 2023", "23", "2023-5", "", "2023/05"])
def test_date_forms_rejected(written: str) -> None:
    with pytest.raises(ValueError):
        parse_profile_date(written)


@pytest.mark.parametrize("section", ["work", "projects", "education"])
@pytest.mark.parametrize("written", ["2021", "'2021'", "2021-03", "2021-03-09", '"2021-03-09"'])
def test_date_forms_in_every_section(tmp_path: Path, section: str, written: str) -> None:
    entries = {
        "work": f"work:\n  - name: X\n    position: Y\n    startDate: {written}\n    endDate: present\n",
        "projects": f"projects:\n  - name: X\n    startDate: {written}\n    endDate: present\n",
        "education": f"education:\n  - institution: X\n    startDate: {written}\n    endDate: 2030\n",
    }
    profile = _profile(tmp_path, "basics:\n  name: Ada\n" + entries[section])
    entry = profile.section_items(section)[0]
    assert str(entry.start_date) == written.strip("'\"")


def test_dates_print_at_written_precision() -> None:
    assert format_date(PartialDate(2023), "en", "Present") == "2023"
    assert format_date(PartialDate(2023, 5), "en", "Present") == "May 2023"
    assert format_date(PartialDate(2023, 5, 14), "en", "Present") == "May 14, 2023"
    assert format_date(PRESENT, "en", "Present") == "Present"


def test_dates_localised() -> None:
    assert format_date(PartialDate(2023, 5), "fr", "Aujourd’hui") == "mai 2023"
    assert format_date(PartialDate(2023, 5), "ja", "現在") == "2023年5月"


def test_date_range_joins_with_en_dash() -> None:
    assert format_date_range(PartialDate(2020), PRESENT, "en", "Present") == "2020 – Present"
    assert format_date_range(PartialDate(2020), PartialDate(2020), "en", "Present") == "2020"
    assert format_date_range(PartialDate(2020), None, "en", "Present") == "2020"


def test_end_before_start_rejected(tmp_path: Path) -> None:
    text = MINIMAL_PROFILE.replace("endDate: present", "endDate: 2019-12")
    problems = _problems(tmp_path, text)
    assert problems[0].field == "work[0].endDate"
    assert "before startDate" in problems[0].message
    assert problems[0].line == 8


def test_same_month_end_accepted(tmp_path: Path) -> None:
    text = MINIMAL_PROFILE.replace("startDate: 2020-01", "startDate: 2020-01-15").replace(
        "endDate: present", "endDate: 2020-01"
    )
    assert _profile(tmp_path, text).work[0].end_date == PartialDate(2020, 1)


def test_start_present_rejected(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("startDate: 2020-01", "startDate: present"))
    assert problems[0].field == "work[0].startDate"


def test_ongoing_entries_most_recent(tmp_path: Path) -> None:
    text = """\
basics: {name: Ada}
work:
  - {name: Old, position: A, startDate: 2010, endDate: 2012}
  - {name: Now, position: B, startDate: 2005, endDate: present}
  - {name: Recent, position: C, startDate: 2015, endDate: 2020-06}
"""
    profile = _profile(tmp_path, text)
    newest_first = sorted(profile.work, key=lambda entry: entry.recency_key, reverse=True)
    assert [entry.name for entry in newest_first] == ["Now", "Recent", "Old"]


def test_unknown_key_suggests_close_name(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("highlights:", "higlights:"))
    assert problems[0].field == "work[0].higlights"
    assert problems[0].hint == 'did you mean "highlights"?'
    assert (problems[0].line, problems[0].column) == (9, 5)


def test_snake_case_key_suggests_camel_case(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("startDate:", "start_date:"))
    assert problems[0].hint is not None
    assert '"startDate"' in problems[0].hint


def test_missing_required_field_located(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("    position: Engineer\n", ""))
    assert problems[0].field == "work[0].position"
    assert "missing" in problems[0].message
    assert problems[0].line == 5


def test_missing_basics_reported(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "work: []\n")
    assert problems[0].field == "basics"


def test_wrong_type_names_expected_and_found(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("      - Built things.", "        nested: map"))
    problem = problems[0]
    assert problem.field == "work[0].highlights"
    assert problem.expected is not None and "list" in problem.expected
    assert problem.found == "a mapping"


def test_empty_required_text_rejected(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("name: Ada Example", "name:"))
    assert problems[0].field == "basics.name"
    assert problems[0].message == "the value is empty"


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = MINIMAL_PROFILE.replace("label:", "lable:").replace("startDate: 2020-01", "startDate: 2020-13")
    problems = _problems(tmp_path, text)
    assert len(problems) == 2
    assert [problem.line for problem in problems] == sorted(problem.line for problem in problems)


def test_control_character_in_text_rejected(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("- Built things.", '- "Built\\x01 things."'))
    assert problems[0].field == "work[0].highlights[0]"
    assert "U+0001" in problems[0].message
    assert problems[0].line == 10


def test_relative_link_rejected(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("- Built things.", "- Built [it](github.com/x)."))
    assert "not absolute" in problems[0].message


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "ftp://x.org"])
def test_disallowed_link_scheme_rejected(tmp_path: Path, url: str) -> None:
    text = MINIMAL_PROFILE.replace("label: Engineer", f"url: '{url}'")
    problems = _problems(tmp_path, text)
    assert problems[0].field == "basics.url"
    assert "scheme" in problems[0].message


def test_sections_keep_file_order(tmp_path: Path) -> None:
    text = "education:\n  - institution: U\nbasics:\n  name: Ada\nlanguages:\n  - language: French\nwork: []\n"
    profile = _profile(tmp_path, text)
    assert profile.section_order[:3] == ("education", "languages", "work")


def test_extension_priority_values_checked(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("    highlights:", "    priority: urgent\n    highlights:"))
    assert problems[0].field == "work[0].priority"
    assert problems[0].expected is not None and "high" in problems[0].expected


def test_unknown_locale_rejected(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "settings:\n  locale: xx_YY\n" + MINIMAL_PROFILE)
    assert problems[0].field == "settings.locale"


def test_schema_has_descriptions_everywhere() -> None:
    schema = profile_json_schema()
    missing = []
    for name, definition in schema["$defs"].items():
        for field_name, field in definition.get("properties", {}).items():
            if "description" not in field:
                missing.append(f"{name}.{field_name}")
    assert missing == []


def test_schema_forbids_unknown_keys() -> None:
    schema = profile_json_schema()
    assert schema["additionalProperties"] is False
    for definition in schema["$defs"].values():
        if definition.get("type") == "object":
            assert definition.get("additionalProperties") is False, definition.get("title")


def test_committed_schema_in_sync() -> None:
    """Regenerate with: .venv/bin/cvbuild schema > schema/profile.schema.json"""
    committed = json.loads((REPOSITORY / "schema" / "profile.schema.json").read_text(encoding="utf-8"))
    assert committed == profile_json_schema()


def test_model_rejects_snake_case_directly() -> None:
    with pytest.raises(ValidationError):
        Profile.model_validate({"basics": {"name": "Ada"}, "key_figures": []})


def test_misspelled_required_key_reported_once(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("position:", "postion:"))
    assert len(problems) == 1
    assert problems[0].field == "work[0].postion"
    assert problems[0].hint == 'did you mean "position"?'


def test_colon_in_bullet_suggests_quotes(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("- Built things.", "- Result: cut costs 70%"))
    assert len(problems) == 1
    assert problems[0].field == "work[0].highlights[0]"
    assert problems[0].hint == 'put the whole text in quotes: "Result: cut costs 70%"'


def test_colon_in_text_field_suggests_quotes(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("label: Engineer", "label: {Lead: Platform}"))
    assert problems[0].field == "basics.label"
    assert "quotes" in problems[0].hint


def test_highlight_missing_text_named(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL_PROFILE.replace("- Built things.", "- {priority: high}"))
    assert problems[0].field == "work[0].highlights[0].text"
    assert "missing" in problems[0].message


def test_unknown_title_key_suggests_section(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "settings:\n  titles: {principle: Ways}\n" + MINIMAL_PROFILE)
    assert problems[0].field == "settings.titles.principle"
    assert problems[0].hint == 'did you mean "principles"?'


def test_bound_error_worded(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "settings:\n  short: {latestRoles: -1}\n" + MINIMAL_PROFILE)
    assert problems[0].message == "must be at least 0"
