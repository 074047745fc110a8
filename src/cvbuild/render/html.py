"""Render the document view to HTML through the theme's Jinja2 template.

Templates run in Jinja2's sandbox with autoescaping on, so profile text is
escaped exactly once, by the template engine. Inline markup is drawn by the
``inline`` filter from the runs that ``cvbuild.markup`` parses.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from cvbuild.errors import Problem, ThemeError
from cvbuild.markup import parse_inline
from cvbuild.render.view import DocumentView
from cvbuild.theme import TEMPLATE_FILE, Theme


def render_inline_html(text: str | None) -> Markup:
    """Draw profile text with inline markup as escaped HTML."""
    if not text:
        return Markup("")
    parts = []
    for run in parse_inline(text):
        html = escape(run.text)
        if run.code:
            html = Markup("<code>{}</code>").format(html)
        if run.italic:
            html = Markup("<em>{}</em>").format(html)
        if run.bold:
            html = Markup("<strong>{}</strong>").format(html)
        if run.link:
            html = Markup('<a href="{}">{}</a>').format(run.link, html)
        parts.append(html)
    return Markup("").join(parts)


def _environment(theme: Theme) -> SandboxedEnvironment:
    return _environment_for_folder(theme.folder)


@functools.lru_cache(maxsize=8)
def _environment_for_folder(folder: Path) -> SandboxedEnvironment:
    """Create the sandboxed environment of one theme folder, once per process.

    The environment caches the compiled template, which the one-page
    fitter's layout passes would otherwise recompile each time. Jinja2 still
    reloads a template whose file changed.
    """
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["inline"] = render_inline_html
    return environment


def render_html(view: DocumentView, theme: Theme, extra_css: str = "") -> str:
    """Render ``view`` with ``theme``'s template; raise ``ThemeError`` naming the template line on failure.

    ``extra_css`` is appended after the theme's stylesheet; the one-page
    fitter uses it to drop the page numbers.
    """
    stylesheet = theme.stylesheet_path.read_text(encoding="utf-8")
    css = "\n".join([theme.token_css(), stylesheet, extra_css])
    environment = _environment(theme)
    try:
        template = environment.get_template(TEMPLATE_FILE)
        return template.render(document=view, tokens=theme.tokens, css=Markup(css))
    except TemplateSyntaxError as error:
        raise ThemeError([Problem(
            message=f"template syntax error: {error.message}",
            file=theme.template_path,
            line=error.lineno,
        )]) from None
    except SecurityError as error:
        raise ThemeError([Problem(
            message=f"the template failed: {error}",
            file=theme.template_path,
            line=_template_line(error),
            hint="templates run in Jinja2's sandbox, which rejects attributes that start with an underscore;"
            " use only the fields of the document view in cvbuild/render/view.py",
        )]) from None
    except TemplateError as error:
        raise ThemeError([Problem(
            message=f"the template failed: {error}",
            file=theme.template_path,
            line=_template_line(error),
            hint="check the names the template uses against the document view in cvbuild/render/view.py",
        )]) from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        # Raised by the template's own expressions (1/0, "a" + 1, a range
        # larger than the sandbox allows); anywhere else it is a bug in cvbuild.
        line = _template_line(error)
        if line is None:
            raise
        raise ThemeError([Problem(
            message=f"the template failed: {type(error).__name__}: {error}",
            file=theme.template_path,
            line=line,
        )]) from None


def _template_line(error: Exception) -> int | None:
    """Find the template line where ``error`` was raised, from the traceback Jinja2 rewrites."""
    traceback = error.__traceback__
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename.endswith(TEMPLATE_FILE):
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line
