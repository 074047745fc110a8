"""The exceptions a user can cause and fix.

Every failure that comes from the user's input (the profile, a theme, an
output folder) is a ``UserError`` carrying one or more ``Problem`` records.
The CLI prints them and exits with code 2; any other exception is a bug and
keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One mistake in the user's input, located as precisely as it can be.

    ``line`` and ``column`` are 1-based; ``None`` means the position is not
    known (for example a field that is missing from a mapping written in a
    single flow line).
    """

    message: str
    file: Path | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None
    hint: str | None = None

    @property
    def location(self) -> str:
        """The ``file:line:column`` prefix, as far as it is known."""
        parts = [str(self.file) if self.file else "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self) -> str:
        """Render the problem as the lines the CLI prints.

        A problem with no file (a command-line value) starts with its field.
        """
        head = f"{self.location}: " if self.file is not None else ""
        if self.field:
            head += f"{self.field}: "
        lines = [head + self.message]
        if self.expected is not None:
            lines.append(f"    expected: {self.expected}")
        if self.found is not None:
            lines.append(f"    found:    {self.found}")
        if self.hint is not None:
            lines.append(f"    hint:     {self.hint}")
        return "\n".join(lines)


class UserError(Exception):
    """A failure caused by the user's input; the CLI exits with code 2."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], title: str) -> None:
        self.problems = tuple(problems)
        self.title = title
        super().__init__(self.format())

    def format(self) -> str:
        """Render the title and every problem, one block each."""
        blocks = [self.title] + [problem.format() for problem in self.problems]
        return "\n".join(blocks)


class ProfileError(UserError):
    """The profile cannot be read or does not match the schema."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(problems, f"error: the profile has {count} {noun}")


class ThemeError(UserError):
    """A theme cannot be found, read, or rendered."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        super().__init__(problems, "error: the theme cannot be used")


class ResourceError(UserError):
    """An image, font or stylesheet points outside the allowed folders."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        super().__init__(problems, "error: a resource cannot be loaded")


class FitError(UserError):
    """The one-page variant cannot fit even its must-keep items."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        super().__init__(problems, "error: the one-page variant does not fit on one page")


class OutputError(UserError):
    """An output file cannot be written."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        super().__init__(problems, "error: the output cannot be written")
