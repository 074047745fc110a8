"""Check loaded YAML against a model and word each failure for the user.

Pydantic reports every error at once with a location tuple; this module
finds the line and column of each location in the YAML file, rewords the
error in the profile's own terms, and suggests the closest known key for an
unknown one.
"""

from __future__ import annotations

import difflib
import logging
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from cvbuild.errors import Problem, ProfileError
from cvbuild.load import FieldPath, LoadedDocument, format_field_path, load_yaml_file
from cvbuild.model import BULLET_AS_MAPPING, BULLET_AS_TEXT, Profile

logger = logging.getLogger(__name__)

# Parts of Pydantic's error locations that are not in the user's YAML: the
# tags of a bullet's two spellings, and the marker of a mapping's key.
_UNION_TAGS = {BULLET_AS_TEXT, BULLET_AS_MAPPING}
_KEY_MARKER = "[key]"

_MESSAGE_BY_TYPE = {
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "int_parsing": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "enum": "is not one of the allowed values",
    "literal_error": "is not one of the allowed values",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
}

_EXPECTED_BY_TYPE = {
    "string_type": "text",
    "list_type": 'a list (lines starting with "- ")',
    "dict_type": "a mapping (indented key: value lines)",
    "model_type": "a mapping (indented key: value lines)",
    "model_attributes_type": "a mapping (indented key: value lines)",
    "int_parsing": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
    "string_too_short": "non-empty text",
}


@dataclass(frozen=True)
class ProfileSource:
    """A validated profile with the YAML it was read from, for locating later problems."""

    profile: Profile
    document: LoadedDocument

    def problem_at(self, path: FieldPath, message: str, hint: str | None = None) -> Problem:
        """Create a problem located at the field ``path`` of the profile file."""
        position = self.document.position_of(path)
        return Problem(
            message=message,
            file=self.document.path,
            line=position.line if position else None,
            column=position.column if position else None,
            field=format_field_path(path),
            hint=hint,
        )


def load_profile(path: Path) -> Profile:
    """Read and validate the profile at ``path``; raise ``ProfileError`` listing every problem."""
    return read_profile(path).profile


def read_profile(path: Path) -> ProfileSource:
    """Read and validate the profile at ``path``, keeping its source positions."""
    document = load_yaml_file(path)
    if not isinstance(document.data, dict):
        raise ProfileError([Problem(
            message="the profile must be a mapping of sections (basics:, work:, ...)",
            file=path,
            line=1,
            column=1,
            found=_describe_value(document.data),
            hint="start from data/profile.yaml in the cvbuild repository",
        )])
    problems = list(document.problems)
    try:
        profile = Profile.model_validate(document.data)
    except ValidationError as error:
        problems.extend(problems_from_validation_error(error, document, Profile))
    if problems:
        raise ProfileError(sorted(problems, key=lambda problem: (problem.line or 0, problem.column or 0)))
    logger.debug("validated %s", path)
    return ProfileSource(profile, document)


def problems_from_validation_error(
    error: ValidationError, document: LoadedDocument, root_model: type[BaseModel]
) -> list[Problem]:
    """Turn each Pydantic error into a located, reworded ``Problem``.

    A misspelled required key produces two errors, an unknown key and a
    missing field; only the unknown key, with its suggestion, is reported.
    """
    errors = error.errors()
    misspelled = _misspelled_required_fields(errors, root_model)
    split_texts = _texts_split_at_colon(errors, document)
    problems = [_split_text_problem(path, text, document) for path, text in split_texts.items()]
    for details in errors:
        path = _clean_path(details)
        if details["type"] == "missing" and path in misspelled:
            continue
        if any(path[: len(split)] == split for split in split_texts):
            continue
        problems.append(_problem_from_error(details, document, root_model))
    return sorted(problems, key=lambda problem: (problem.line or 0, problem.column or 0))


def _clean_path(details: ErrorDetails) -> FieldPath:
    return tuple(part for part in details["loc"] if part not in _UNION_TAGS and part != _KEY_MARKER)


def _value_at(data: Any, path: FieldPath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _texts_split_at_colon(errors: list[ErrorDetails], document: LoadedDocument) -> dict[FieldPath, str]:
    """Text values that YAML read as a one-key mapping because they contain ": ".

    ``- Result: cut costs 70%`` is a mapping in YAML. Where text (or a
    bullet) was expected, the user meant the whole line as text.
    """
    split: dict[FieldPath, str] = {}
    for details in errors:
        path = _clean_path(details)
        candidates = [path]
        if details["type"] in ("missing", "extra_forbidden") and path:
            candidates.append(path[:-1])
        for candidate in candidates:
            value = _value_at(document.data, candidate)
            if not (isinstance(value, dict) and len(value) == 1):
                continue
            key, inner = next(iter(value.items()))
            if key in ("text", "priority", "short") or not isinstance(inner, str):
                continue
            if details["type"] == "string_type" or (candidate != path and _is_bullet_path(candidate)):
                split[candidate] = f"{key}: {inner}"
    return split


def _is_bullet_path(path: FieldPath) -> bool:
    return len(path) >= 2 and isinstance(path[-1], int) and path[-2] == "highlights"


def _split_text_problem(path: FieldPath, text: str, document: LoadedDocument) -> Problem:
    position = document.position_of(path)
    shown = text if len(text) <= 50 else text[:47] + "..."
    return Problem(
        message=f'"{shown}" was read as a key and a value, because it contains ": "',
        file=document.path,
        line=position.line if position else None,
        column=position.column if position else None,
        field=format_field_path(path),
        expected="text",
        found="a mapping",
        hint=f"put the whole text in quotes: \"{shown}\"",
    )


def _misspelled_required_fields(errors: list[ErrorDetails], root_model: type[BaseModel]) -> set[FieldPath]:
    """Paths of missing fields that an unknown key beside them most likely meant."""
    missing = {_clean_path(details) for details in errors if details["type"] == "missing"}
    meant = set()
    for details in errors:
        if details["type"] != "extra_forbidden":
            continue
        path = _clean_path(details)
        parent = path[:-1]
        candidates = [str(field[-1]) for field in missing if field[:-1] == parent]
        close = difflib.get_close_matches(str(path[-1]), candidates, n=1, cutoff=0.6)
        if close:
            meant.add((*parent, close[0]))
    return meant


def _problem_from_error(details: ErrorDetails, document: LoadedDocument, root_model: type[BaseModel]) -> Problem:
    path = _clean_path(details)
    kind = details["type"]
    value = details.get("input")
    is_about_key = kind == "extra_forbidden" or _KEY_MARKER in details["loc"]
    position = document.position_of(path, prefer_key=is_about_key)
    is_unknown_key = kind == "extra_forbidden"

    template = _MESSAGE_BY_TYPE.get(kind)
    message = template.format(**details.get("ctx", {})) if template else details["msg"]
    expected = _EXPECTED_BY_TYPE.get(kind)
    found: str | None = _describe_value(value)
    hint = None

    if is_unknown_key:
        key = str(path[-1])
        known = _known_keys(root_model, path[:-1])
        message = f'unknown field "{key}"'
        found = None
        hint = _suggest_key(key, known)
    elif kind == "missing":
        message = f'the required field "{path[-1]}" is missing'
        found = None
        hint = f"add {path[-1]}: under {format_field_path(path[:-1])}" if len(path) > 1 else None
    elif kind in ("value_error", "assertion_error"):
        message = str(details.get("ctx", {}).get("error", message))
        found = None
    elif kind in ("enum", "literal_error"):
        expected = details.get("ctx", {}).get("expected")
        allowed = re.findall(r"'([^']*)'", expected or "")
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
        if close:
            hint = f'did you mean "{close[0]}"?'
        if _KEY_MARKER in details["loc"]:
            message = f'"{value}" is not one of the allowed keys here'
            found = None
    elif kind == "string_too_short":
        message = "the text is empty"
    elif kind in ("string_type",) and value is None:
        message = "the value is empty"
        hint = "write the text after the colon, or delete the line if the field is optional"

    return Problem(
        message=message,
        file=document.path,
        line=position.line if position else None,
        column=position.column if position else None,
        field=format_field_path(path),
        expected=expected,
        found=found,
        hint=hint,
    )


def _describe_value(value: Any) -> str | None:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f'"{shown}"'
    return repr(value)


def _suggest_key(key: str, known: list[str]) -> str | None:
    if not known:
        return None
    normalised = {name.lower().replace("_", "").replace("-", ""): name for name in known}
    exact = normalised.get(key.lower().replace("_", "").replace("-", ""))
    if exact is not None:
        return f'did you mean "{exact}"? (field names are camelCase)'
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f'did you mean "{close[0]}"?'
    return f"known fields here: {', '.join(known)}"


def _known_keys(root_model: type[BaseModel], path: FieldPath) -> list[str]:
    """Return the keys the model at ``path`` accepts, found by walking the annotations."""
    model = _model_at(root_model, path)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_at(root_model: type[BaseModel], path: FieldPath) -> type[BaseModel] | None:
    current: Any = root_model
    for part in path:
        if isinstance(part, int):
            current = _item_type(current)
            continue
        model = _first_model(current)
        if model is None:
            return None
        field = next(
            (info for name, info in model.model_fields.items() if (info.alias or name) == part),
            None,
        )
        if field is None:
            return None
        current = field.annotation
    return _first_model(current)


def _unwrap(annotation: Any) -> list[Any]:
    """Return the member types of a union or ``Annotated`` type, or the type itself."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members: list[Any] = []
        for argument in typing.get_args(annotation):
            members.extend(_unwrap(argument))
        return members
    return [annotation]


def _first_model(annotation: Any) -> type[BaseModel] | None:
    for member in _unwrap(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def _item_type(annotation: Any) -> Any:
    for member in _unwrap(annotation):
        if typing.get_origin(member) in (list, tuple):
            return typing.get_args(member)[0]
        if typing.get_origin(member) is dict:
            return typing.get_args(member)[1]
    return None
