"""Reading YAML: positions, exact text, and every way a file can be wrong."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from cvbuild.errors import ProfileError
from cvbuild.load import MAX_FILE_BYTES, load_yaml_bytes, load_yaml_file
from cvbuild.validate import load_profile
from tests.conftest import MINIMAL_PROFILE, write_profile

SOURCE = Path("profile.yaml")


def _problems(text: str | bytes) -> list:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(ProfileError) as caught:
        load_yaml_bytes(raw, SOURCE)
    return list(caught.value.problems)


def _profile_problems(tmp_path: Path, text: str | bytes) -> list:
    path = tmp_path / "profile.yaml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    return list(caught.value.problems)


def test_syntax_error_located() -> None:
    problems = _problems("basics:\n  name: [unclosed\nwork: []\n")
    assert len(problems) == 1
    assert problems[0].line == 3
    assert problems[0].message.startswith("invalid YAML")


def test_empty_file_rejected() -> None:
    problems = _problems("")
    assert problems[0].message == "the file is empty"


def test_comment_only_file_rejected() -> None:
    problems = _problems("# nothing here\n")
    assert problems[0].message == "the file is empty"


def test_non_utf8_located() -> None:
    problems = _problems("basics:\n  name: Jos\xe9\n".encode("latin-1"))
    assert problems[0].message == "the file is not valid UTF-8"
    assert problems[0].line == 2
    assert problems[0].column == 12
    assert "UTF-8" in problems[0].hint


def test_byte_order_mark_accepted() -> None:
    document = load_yaml_bytes("\ufeffbasics:\n  name: Ada\n".encode("utf-8"), SOURCE)
    assert document.data == {"basics": {"name": "Ada"}}


def test_tab_indentation_explained() -> None:
    problems = _problems("basics:\n\tname: Ada\n")
    assert problems[0].line == 2
    assert "tab" in problems[0].message
    assert "spaces" in problems[0].hint


def test_duplicate_key_names_both_lines() -> None:
    document = load_yaml_bytes(b"basics:\n  name: Ada\n  label: x\n  name: Bob\n", SOURCE)
    assert len(document.problems) == 1
    problem = document.problems[0]
    assert problem.line == 4
    assert "line 2" in problem.message
    assert problem.field == "basics.name"


def test_duplicate_key_reported_with_schema_errors(tmp_path: Path) -> None:
    problems = _profile_problems(tmp_path, "basics:\n  name: Ada\n  name: Bob\n  lable: x\n")
    messages = [problem.message for problem in problems]
    assert any("duplicate key" in message for message in messages)
    assert any("unknown field" in message for message in messages)


@pytest.mark.parametrize(
    "typed",
    ["no", "on", "off", "yes", "1.10", "0123", "+4412345678", "2023-05-14", "1e3", "0x1F", ".inf", "12:30"],
)
def test_scalars_keep_typed_text(typed: str) -> None:
    document = load_yaml_bytes(f"value: {typed}\n".encode(), SOURCE)
    assert document.data["value"] == typed


def test_yaml_surprises_print_as_typed(tmp_path: Path) -> None:
    text = MINIMAL_PROFILE.replace("label: Engineer", "label: no").replace(
        "      - Built things.", "      - 1.10\n      - 0123\n      - +4412345678\n      - on"
    )
    profile = load_profile(write_profile(tmp_path, text))
    assert profile.basics.label == "no"
    assert profile.work[0].highlights == ["1.10", "0123", "+4412345678", "on"]


def test_null_spellings_are_empty() -> None:
    document = load_yaml_bytes(b"a: ~\nb: null\nc:\nd: 'null'\n", SOURCE)
    assert document.data == {"a": None, "b": None, "c": None, "d": "null"}


def test_python_tag_rejected() -> None:
    document = load_yaml_bytes(b"basics: !!python/object/apply:os.system ['echo hi']\n", SOURCE)
    assert len(document.problems) == 1
    assert "!!python/object/apply:os.system" in document.problems[0].message


def test_custom_tag_rejected() -> None:
    document = load_yaml_bytes(b"name: !secret x\n", SOURCE)
    assert "not supported" in document.problems[0].message


def test_alias_bomb_rejected_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 10):
        previous = chr(ord("a") + index - 1)
        name = chr(ord("a") + index)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    bomb = ("\n".join(lines) + "\n").encode()

    tracemalloc.start()
    started = time.perf_counter()
    problems = _problems(bomb)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert "expands to more than" in problems[0].message
    assert elapsed < 5
    assert peak < 64 * 1024 * 1024


def test_recursive_alias_rejected() -> None:
    document = load_yaml_bytes(b"a: &a\n  b: *a\n", SOURCE)
    assert any("contains it" in problem.message for problem in document.problems)


def test_small_aliases_allowed() -> None:
    document = load_yaml_bytes(b"base: &base {city: Tokyo}\nother: *base\n", SOURCE)
    assert document.data["other"] == {"city": "Tokyo"}


def test_merge_key_expanded() -> None:
    document = load_yaml_bytes(b"base: &base {city: Tokyo, region: Kanto}\nhere:\n  <<: *base\n  city: Osaka\n", SOURCE)
    assert document.data["here"] == {"city": "Osaka", "region": "Kanto"}


def test_oversized_file_rejected() -> None:
    problems = _problems(b"a: " + b"x" * (MAX_FILE_BYTES + 1))
    assert "over the limit" in problems[0].message


def test_missing_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_yaml_file(tmp_path / "absent.yaml")
    assert caught.value.problems[0].message == "file not found"


def test_folder_rejected(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_yaml_file(tmp_path)
    assert "folder" in caught.value.problems[0].message


def test_control_character_rejected_by_reader() -> None:
    problems = _problems(b"basics:\n  name: A\x07B\n")
    assert problems[0].line == 2


def test_top_level_list_rejected(tmp_path: Path) -> None:
    problems = _profile_problems(tmp_path, "- a\n- b\n")
    assert "mapping of sections" in problems[0].message


def test_positions_recorded() -> None:
    document = load_yaml_bytes(b"basics:\n  name: Ada\nwork:\n  - name: X\n", SOURCE)
    position = document.position_of(("work", 0, "name"))
    assert (position.line, position.column) == (4, 11)
    key_position = document.position_of(("work", 0, "name"), prefer_key=True)
    assert (key_position.line, key_position.column) == (4, 5)


def test_control_character_after_accents_located() -> None:
    problems = _problems('basics:\n  name: AB\n  label: "ééé"\n  summary: x\x07\n'.encode())
    assert (problems[0].line, problems[0].column) == (4, 13)
    assert "U+0007" in problems[0].message


def test_unclosed_quote_points_at_opening() -> None:
    problems = _problems('basics:\n  name: "Ada\n  label: x\nwork: []\n')
    assert (problems[0].line, problems[0].column) == (2, 9)
    assert "never closed" in problems[0].message


def test_unclosed_bracket_names_opening_line() -> None:
    problems = _problems("basics:\n  name: [Ada\n  label: x\n")
    assert "starts on line 2" in problems[0].message
