"""The ``cvbuild`` command line.

This is the one place that turns a ``UserError`` into printed problems and
exit code 2, and the one place that configures logging. Any other exception
is a bug: it exits with code 1 and a one-line message, or with the full
traceback under ``--debug``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cvbuild import package_version
from cvbuild.artifacts import DEFAULT_OUTPUT, DEFAULT_PROFILE, OutputFormat, Variant
from cvbuild.errors import UserError

if TYPE_CHECKING:
    from cvbuild.fit import FitResult

logger = logging.getLogger("cvbuild")

USER_ERROR_EXIT_CODE = 2

app = typer.Typer(
    name="cvbuild",
    help="Compile one YAML career profile into a PDF and a Word résumé, and their one-page variants.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _State:
    debug = False
    quiet = False


def _report(text: str) -> None:
    """Print a result line; -q leaves only errors on the terminal."""
    if not _State.quiet:
        typer.echo(text)


ProfileOption = Annotated[
    Path, typer.Option("--profile", "-p", help="The profile YAML file to compile.", dir_okay=False)
]
ThemeOption = Annotated[
    str | None,
    typer.Option("--theme", "-t", help="A built-in theme name or a theme folder; overrides settings.theme."),
]
OutputOption = Annotated[
    Path, typer.Option("--output", "-o", help="The folder the files are written to.", file_okay=False)
]
ShortOption = Annotated[
    bool, typer.Option("--short", help="Write the one-page variant (<name>_CV_short) instead of the full one.")
]
ExplainOption = Annotated[
    bool, typer.Option("--explain", help="List what the one-page variant kept and dropped, and why.")
]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"cvbuild {package_version()}")
        raise typer.Exit()


@app.callback()
def configure(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show progress and timings.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Show errors only.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show debug logs and the traceback of any error.")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version_callback, is_eager=True)
    ] = False,
) -> None:
    """Compile one YAML career profile into a PDF and a Word résumé."""
    _State.debug = debug
    _State.quiet = quiet and not debug
    if debug:
        level = logging.DEBUG
    elif quiet:
        level = logging.ERROR
    elif verbose:
        level = logging.INFO
    else:
        level = logging.WARNING
    _configure_logging(level)


_HANDLER_NAME = "cvbuild-cli"


def _configure_logging(level: int) -> None:
    """Send log records to stderr at ``level``, replacing only this CLI's own earlier handler.

    Handlers that others installed (pytest's log capture, an embedding
    application's) stay in place.
    """
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # WeasyPrint reports every CSS property it ignores; those lines concern
    # theme authors, so they show with --debug only.
    logging.getLogger("weasyprint").setLevel(logging.DEBUG if level == logging.DEBUG else logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.DEBUG if level == logging.DEBUG else logging.ERROR)


@contextlib.contextmanager
def _reported_errors() -> Iterator[None]:
    """Print user errors and exit 2; print bugs briefly and exit 1 (traceback with --debug)."""
    try:
        yield
    except UserError as error:
        if _State.debug:
            traceback.print_exc()
        typer.echo(error.format(), err=True)
        raise typer.Exit(USER_ERROR_EXIT_CODE) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        if _State.debug:
            raise
        typer.echo(
            f"internal error: {type(error).__name__}: {error}\n"
            "This is a bug in cvbuild. Run again with --debug for the traceback and report it.",
            err=True,
        )
        raise typer.Exit(1) from None


def _build(
    profile: Path, theme: str | None, output: Path, output_format: OutputFormat, variant: Variant, explain: bool
) -> None:
    from cvbuild.build import RenderCache, build_artifact, prepare_build

    with _reported_errors():
        inputs = prepare_build(profile, theme, output)
        cache = RenderCache(inputs)
        artifact = build_artifact(inputs, output_format, variant, cache)
    _report(f"wrote {artifact.path} ({_pages_text(artifact.pages)}, {artifact.size_bytes / 1024:.0f} KiB)")
    if explain:
        if variant == "short":
            typer.echo(_explanation(cache.fit()))
        else:
            _report("--explain describes the one-page variant; add --short")


def _pages_text(pages: int | None) -> str:
    if pages is None:
        return "pages not counted"
    return f"{pages} page{'s' if pages != 1 else ''}"


def _explanation(fit: FitResult) -> str:
    lines = [
        f"one page, {fit.fill:.0%} full, after {fit.layout_passes} layout passes"
        + (f", spacing tightened {fit.tightening:.0%} towards the theme's floors" if fit.tightening else ""),
        f"kept {len(fit.kept)} items:",
        *(f"  {item.description}" for item in fit.kept),
        f"dropped {len(fit.dropped)} items:" if fit.dropped else "dropped nothing",
        *(f"  {item.description}: {reason}" for item, reason in fit.dropped),
    ]
    return "\n".join(lines)


@app.command()
def pdf(
    profile: ProfileOption = DEFAULT_PROFILE,
    theme: ThemeOption = None,
    output: OutputOption = DEFAULT_OUTPUT,
    short: ShortOption = False,
    explain: ExplainOption = False,
) -> None:
    """Write the résumé as a PDF."""
    _build(profile, theme, output, "pdf", "short" if short else "full", explain)


@app.command()
def docx(
    profile: ProfileOption = DEFAULT_PROFILE,
    theme: ThemeOption = None,
    output: OutputOption = DEFAULT_OUTPUT,
    short: ShortOption = False,
    explain: ExplainOption = False,
) -> None:
    """Write the résumé as a Word document (.docx)."""
    _build(profile, theme, output, "docx", "short" if short else "full", explain)


@app.command()
def build(
    profile: ProfileOption = DEFAULT_PROFILE,
    theme: ThemeOption = None,
    output: OutputOption = DEFAULT_OUTPUT,
    explain: ExplainOption = False,
) -> None:
    """Write every artifact: the full and one-page PDF and DOCX."""
    from cvbuild.build import build_all, prepare_build

    with _reported_errors():
        inputs = prepare_build(profile, theme, output)
        artifacts, cache = build_all(inputs)

    rows = [("artifact", "pages", "size", "time")]
    for artifact in artifacts:
        rows.append((
            str(artifact.path),
            str(artifact.pages) if artifact.pages is not None else "-",
            f"{artifact.size_bytes / 1024:.0f} KiB",
            f"{artifact.seconds:.2f} s",
        ))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        _report("  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        ))
    if explain:
        typer.echo(_explanation(cache.fit()))


@app.command()
def validate(profile: ProfileOption = DEFAULT_PROFILE) -> None:
    """Check the profile against the schema; write nothing."""
    from cvbuild.build import check_profile

    with _reported_errors():
        check_profile(profile, None)
    _report(f"{profile}: valid")


@app.command()
def schema() -> None:
    """Print the profile's JSON Schema, for editors that complete and check YAML."""
    from cvbuild.schema import profile_json_schema

    typer.echo(json.dumps(profile_json_schema(), indent=2, ensure_ascii=False))


@app.command()
def themes() -> None:
    """List the built-in themes."""
    from cvbuild.theme import list_builtin_themes, load_theme

    with _reported_errors():
        for name in list_builtin_themes():
            typer.echo(f"{name:<10} {load_theme(name).tokens.description}")


# Allocations between young-generation collections while the CLI runs.
# WeasyPrint's layout allocates millions of short-lived objects. With the
# default of 700, garbage collection took about 0.3 s of a 2 s build, and
# with this value peak memory grew by under 2 MiB (both measured with
# benchmarks/run.py on the owner's profile).
GC_YOUNG_THRESHOLD = 100_000


def main() -> None:
    """Run the CLI; the console script ``cvbuild`` calls this."""
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)
    try:
        app()
    finally:
        # At exit the interpreter's last garbage collection walks every object
        # WeasyPrint and Pydantic created, about 0.2 s after a build (measured
        # with benchmarks/run.py). Freezing them skips that walk; the process
        # is ending, so nothing is left to collect.
        gc.freeze()
