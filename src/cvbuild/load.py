"""Read a YAML file into plain data, remembering where every value was written.

PyYAML composes the file into a node graph; this module builds the Python
values from the nodes itself instead of using PyYAML's constructors, because
it needs to:

- keep every scalar as the exact text the user wrote. YAML 1.1 reads an
  unquoted ``no`` as ``False``, ``1.10`` as ``1.1``, ``0123`` as 83 and
  ``+4412`` as 4412; a résumé wants the characters. The schema converts the
  few numeric and boolean fields itself.
- record the line and column of each value and each key, so every schema
  error can point at the file.
- reject duplicate keys (PyYAML keeps the last silently), unknown tags such
  as ``!!python/object`` and alias expansions that would blow up in memory.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cvbuild.errors import Problem, ProfileError

logger = logging.getLogger(__name__)

# A profile is a few kilobytes. A megabyte is far past any real one, and small
# enough to read and compose in well under a second.
MAX_FILE_BYTES = 1024 * 1024

# Upper bound on the values built from the node graph. Aliases let a small
# file describe exponentially many values ("billion laughs"); counting them
# while building stops such a file early, with memory bounded by this count.
MAX_VALUES = 50_000

FieldPath = tuple[str | int, ...]

_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_SCALAR_TAGS = {
    _YAML_TAG_PREFIX + name for name in ("str", "int", "float", "bool", "null", "timestamp")
}
_NULL_SPELLINGS = {"", "~", "null", "Null", "NULL"}

try:  # The C parser composes several times faster; fall back when it is absent.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a source file."""

    line: int
    column: int


@dataclass
class LoadedDocument:
    """Plain data read from a YAML file, with the position of every value."""

    path: Path
    data: Any
    value_positions: dict[FieldPath, Position] = field(default_factory=dict)
    key_positions: dict[FieldPath, Position] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    """Mistakes that still let the data be read (a duplicate key, an unsupported tag).

    They are reported together with the schema's errors, so the user sees
    every problem in one run.
    """

    def position_of(self, path: FieldPath, *, prefer_key: bool = False) -> Position | None:
        """Find where ``path`` was written, or its nearest written ancestor.

        ``prefer_key`` points at the key rather than its value, which suits an
        unknown key. A missing field has no position of its own, so the
        mapping that lacks it is the most useful place to send the user.
        """
        if prefer_key and path in self.key_positions:
            return self.key_positions[path]
        for length in range(len(path), -1, -1):
            position = self.value_positions.get(path[:length])
            if position is not None:
                return position
        return None


def format_field_path(path: FieldPath) -> str:
    """Format a field path the way a user reads it: ``work[2].endDate``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _position(mark: yaml.Mark) -> Position:
    return Position(line=mark.line + 1, column=mark.column + 1)


def _problem(path: Path, mark: yaml.Mark | None, message: str, **details: str) -> Problem:
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return Problem(message=message, file=path, line=line, column=column, **details)


def load_yaml_file(path: Path) -> LoadedDocument:
    """Read ``path`` as a YAML document of plain data.

    Raises ``ProfileError`` when the file cannot be read at all: missing, too
    large, not UTF-8, not valid YAML, empty, or expanding past ``MAX_VALUES``.
    Mistakes that leave the data readable are returned in ``problems``.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProfileError([Problem(
            message="file not found",
            file=path,
            hint="check the path, or pass another one with --profile",
        )]) from None
    except IsADirectoryError:
        raise ProfileError([Problem(
            message="is a folder, not a YAML file",
            file=path,
            hint="pass the profile file itself, for example data/profile.yaml",
        )]) from None
    except OSError as error:
        raise ProfileError([Problem(message=f"cannot be read: {error.strerror}", file=path)]) from None

    return load_yaml_bytes(raw, path)


def load_yaml_bytes(raw: bytes, path: Path) -> LoadedDocument:
    """Parse YAML bytes that were read from ``path`` (used in messages)."""
    if len(raw) > MAX_FILE_BYTES:
        raise ProfileError([Problem(
            message=f"the file is {len(raw):,} bytes, over the limit of {MAX_FILE_BYTES:,}",
            file=path,
            hint="a profile is plain text of a few kilobytes; remove embedded data such as images",
        )])

    text = _decode_utf8(raw, path)
    _reject_unprintable(text, path)
    node = _compose(text, path)
    if node is None:
        raise ProfileError([Problem(
            message="the file is empty",
            file=path,
            line=1,
            column=1,
            hint="start from data/profile.yaml in the cvbuild repository",
        )])

    builder = _ValueBuilder(path)
    data = builder.build(node, ())
    logger.debug("read %s: %d values", path, builder.value_count)
    return LoadedDocument(
        path=path,
        data=data,
        value_positions=builder.value_positions,
        key_positions=builder.key_positions,
        problems=builder.problems,
    )


def _decode_utf8(raw: bytes, path: Path) -> str:
    """Decode ``raw`` as UTF-8, accepting and dropping a byte-order mark."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        offset = error.start
        line = raw.count(b"\n", 0, offset) + 1
        column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        raise ProfileError([Problem(
            message="the file is not valid UTF-8",
            file=path,
            line=line,
            column=column,
            found=f"byte 0x{raw[offset]:02x}",
            hint="save the file as UTF-8 (in most editors: File > Save with Encoding > UTF-8)",
        )]) from None


# Characters YAML 1.1 does not allow in a document (its "printable" set, inverted).
_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _reject_unprintable(text: str, path: Path) -> None:
    """Report the first character YAML cannot hold, at its own line and column.

    PyYAML's C reader reports such a character by an offset that is wrong
    once the text contains non-ASCII characters, so it is found here first.
    """
    found = _UNPRINTABLE.search(text)
    if found is None:
        return
    offset = found.start()
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    raise ProfileError([Problem(
        message=f"the control character U+{ord(found.group()):04X} is not allowed in a profile",
        file=path,
        line=line,
        column=column,
        hint="delete it; it is invisible in most editors and usually comes from copy and paste",
    )])


def _compose(text: str, path: Path) -> yaml.Node | None:
    """Parse ``text`` into a node graph, turning syntax errors into problems."""
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise ProfileError([_syntax_problem(error, text, path)]) from None
    except yaml.YAMLError as error:
        # Only the reader raises without a mark, and _reject_unprintable
        # catches what it rejects first; this is the fallback.
        raise ProfileError([Problem(message=f"invalid YAML: {error}", file=path)]) from None


# PyYAML's names for the constructs a syntax error can be inside, in a user's words.
_CONSTRUCT_NAMES = {
    "a quoted scalar": "quoted text",
    "a flow sequence": "[ ] list",
    "a flow mapping": "{ } mapping",
    "a block mapping": "mapping",
    "a block collection": "list",
    "a plain scalar": "text",
}


def _syntax_problem(error: yaml.MarkedYAMLError, text: str, path: Path) -> Problem:
    mark = error.problem_mark or error.context_mark
    reason = error.problem or "invalid YAML"
    hint = "check the indentation and the quoting around this line"

    # A quote or bracket left open is only noticed at the end of the file, but
    # the place it was opened is where the user must look.
    context_mark = error.context_mark
    construct = _CONSTRUCT_NAMES.get((error.context or "").removeprefix("while scanning ").removeprefix("while parsing "))
    if "end of stream" in reason and context_mark is not None and construct is not None:
        return _problem(
            path,
            context_mark,
            f"invalid YAML: the {construct} that starts here is never closed",
            hint="add the closing quote or bracket, or remove the opening one",
        )
    if construct is not None and context_mark is not None and context_mark.line != (mark.line if mark else -1):
        reason = f"{reason}, in the {construct} that starts on line {context_mark.line + 1}"

    lines = text.splitlines()
    line_text = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "\t" in reason or "\t" in line_text[: (mark.column if mark else 0) + 1]:
        reason = "a tab character is used for indentation"
        hint = "indent YAML with spaces only; replace each tab with spaces"
    elif "mapping values are not allowed" in reason:
        hint = 'a value that contains ": " must be quoted, for example  title: "Lead: Platform"'
    elif "found character" in reason and "cannot start any token" in reason:
        hint = "quote the value; characters such as @ and ` cannot start an unquoted YAML value"

    return _problem(path, mark, f"invalid YAML: {reason}", hint=hint)


class _ValueBuilder:
    """Build plain Python values from a PyYAML node graph."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.value_positions: dict[FieldPath, Position] = {}
        self.key_positions: dict[FieldPath, Position] = {}
        self.value_count = 0
        self._active: set[int] = set()

    def build(self, node: yaml.Node, path: FieldPath) -> Any:
        self.value_count += 1
        if self.value_count > MAX_VALUES:
            raise ProfileError([_problem(
                self.path,
                node.start_mark,
                f"the document expands to more than {MAX_VALUES:,} values",
                hint="YAML aliases (*name) repeat data; a profile needs very few of them",
            )])
        self.value_positions.setdefault(path, _position(node.start_mark))

        if id(node) in self._active:
            self.problems.append(_problem(
                self.path, node.start_mark, "an alias refers to a node that contains it",
                hint="remove the recursive alias",
            ))
            return None

        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._build_mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return self._build_sequence(node, path)
            return self._build_scalar(node, path)
        finally:
            self._active.discard(id(node))

    def _check_tag(self, node: yaml.Node, allowed: set[str]) -> bool:
        if node.tag in allowed:
            return True
        self.problems.append(_problem(
            self.path,
            node.start_mark,
            f"the YAML tag {node.tag.replace(_YAML_TAG_PREFIX, '!!')} is not supported",
            hint="remove the tag; a profile holds only text, lists and mappings",
        ))
        return False

    def _build_scalar(self, node: yaml.ScalarNode, path: FieldPath) -> str | None:
        if not self._check_tag(node, _SCALAR_TAGS):
            return None
        # Only an unquoted null spelling is "no value"; a quoted "null" is text.
        # (The C parser marks plain scalars with style "", the Python one with None.)
        if node.style in (None, "") and node.value in _NULL_SPELLINGS:
            return None
        return node.value

    def _build_sequence(self, node: yaml.SequenceNode, path: FieldPath) -> list[Any]:
        if not self._check_tag(node, {_YAML_TAG_PREFIX + "seq"}):
            return []
        return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]

    def _build_mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        if not self._check_tag(node, {_YAML_TAG_PREFIX + "map"}):
            return {}

        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Mark] = {}
        for key_node, value_node in self._merged_pairs(node):
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(_problem(
                    self.path, key_node.start_mark, "a key must be plain text, not a list or mapping",
                    field=format_field_path(path),
                ))
                continue
            key = key_node.value
            if key in first_seen:
                earlier = first_seen[key]
                self.problems.append(_problem(
                    self.path,
                    key_node.start_mark,
                    f'duplicate key "{key}": it is also set on line {earlier.line + 1}',
                    field=format_field_path((*path, key)),
                    hint="keep one of the two; YAML does not allow a key twice in one mapping",
                ))
                continue
            first_seen[key] = key_node.start_mark
            self.key_positions[(*path, key)] = _position(key_node.start_mark)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _merged_pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """Expand YAML merge keys (``<<: *base``); explicit keys win over merged ones."""
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _YAML_TAG_PREFIX + "merge":
                pairs.append((key_node, value_node))
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if isinstance(source, yaml.MappingNode):
                    merged.extend(self._merged_pairs(source))
                else:
                    self.problems.append(_problem(
                        self.path, source.start_mark, "a merge key (<<) must refer to a mapping",
                    ))
        explicit_keys = {key.value for key, _ in pairs if isinstance(key, yaml.ScalarNode)}
        inherited = [(key, value) for key, value in merged if key.value not in explicit_keys]
        return pairs + _unique_by_key(inherited)


def _unique_by_key(pairs: list[tuple[yaml.Node, yaml.Node]]) -> list[tuple[yaml.Node, yaml.Node]]:
    seen: set[str] = set()
    unique = []
    for key, value in pairs:
        if key.value not in seen:
            seen.add(key.value)
            unique.append((key, value))
    return unique
