"""The build: profile in, artifacts out.

``prepare_build`` loads and validates the profile and the theme once;
``build_artifact`` renders one artifact from that and writes it atomically.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cvbuild.artifacts import DEFAULT_OUTPUT, DEFAULT_PROFILE, OutputFormat, Variant
from cvbuild.errors import OutputError, Problem, ProfileError, ThemeError
from cvbuild.load import LoadedDocument
from cvbuild.model import Profile
from cvbuild.theme import Theme, builtin_themes_folder, load_theme, resolve_theme_folder
from cvbuild.validate import ProfileSource, read_profile

if TYPE_CHECKING:
    from weasyprint import Document

    from cvbuild.fit import FitResult

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class BuildInputs:
    """A validated profile with the theme it compiles through."""

    profile: Profile
    profile_path: Path
    theme: Theme
    output_folder: Path
    document: LoadedDocument | None = None
    """The YAML the profile was read from, to locate problems found while rendering."""

    @property
    def profile_folder(self) -> Path:
        return self.profile_path.resolve().parent


@dataclass(frozen=True)
class Artifact:
    """One written output file and what it took to make it."""

    path: Path
    output_format: OutputFormat
    variant: Variant
    pages: int | None
    size_bytes: int
    seconds: float


def output_stem(name: str) -> str:
    """The file-name stem for a person: ``Mansa Camara`` gives ``Mansa_Camara_CV``.

    Accents are dropped where an ASCII letter remains (``José`` gives
    ``Jose``), so the file attaches cleanly to any e-mail. Names with no
    ASCII form keep their own letters.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    source = ascii_name if re.search(r"[A-Za-z]", ascii_name) else name
    words = re.findall(r"\w+", source)
    return "_".join([*words, "CV"])


def output_path(inputs: BuildInputs, output_format: OutputFormat, variant: Variant) -> Path:
    suffix = "_short" if variant == "short" else ""
    return inputs.output_folder / f"{output_stem(inputs.profile.basics.name)}{suffix}.{output_format}"


def check_profile(profile_path: Path, theme_override: str | None) -> tuple[ProfileSource, Theme]:
    """Validate the profile, its theme and the files it names: everything a build checks before writing."""
    started = time.perf_counter()
    source = read_profile(profile_path)
    logger.info("validated %s in %.0f ms", profile_path, (time.perf_counter() - started) * 1000)

    theme = _load_theme_for(source, theme_override)
    _check_profile_resources(source)
    return source, theme


def prepare_build(profile_path: Path, theme_override: str | None, output_folder: Path) -> BuildInputs:
    """Load the profile and its theme and check the output folder, before anything is rendered."""
    source, theme = check_profile(profile_path, theme_override)
    inputs = BuildInputs(source.profile, profile_path, theme, output_folder, source.document)
    _check_output_folder(inputs)
    return inputs


def _load_theme_for(source: ProfileSource, theme_override: str | None) -> Theme:
    """Load ``--theme`` if given, else the profile's ``settings.theme``, located in the profile on failure."""
    if theme_override is not None:
        return load_theme(theme_override)

    name = source.profile.settings.theme
    try:
        folder = resolve_theme_folder(name, relative_to=source.document.path.resolve().parent)
    except ThemeError as error:
        raise ProfileError([
            source.problem_at(("settings", "theme"), problem.message, problem.hint) for problem in error.problems
        ]) from None
    return load_theme(str(folder))


def _check_output_folder(inputs: BuildInputs) -> None:
    """Refuse to write into the profile's folder or a theme's folder: sources stay untouched."""
    folder = inputs.output_folder.resolve()
    if folder == inputs.profile_folder:
        raise OutputError([Problem(
            message="the output folder is the profile's folder; cvbuild does not write beside its sources",
            file=inputs.output_folder,
            hint="choose another folder with --output, for example output/",
        )])
    theme_folders = {
        inputs.theme.folder.resolve(): "the theme's folder",
        builtin_themes_folder().resolve(): "the folder of the built-in themes",
    }
    for theme_folder, description in theme_folders.items():
        if folder.is_relative_to(theme_folder):
            raise OutputError([Problem(
                message=f"the output folder is inside {description}; cvbuild does not write into themes",
                file=inputs.output_folder,
                hint="choose another folder with --output, for example output/",
            )])
    if folder.exists() and not folder.is_dir():
        raise OutputError([Problem(
            message="the output path exists and is not a folder",
            file=inputs.output_folder,
            hint="pass a folder with --output",
        )])


def _check_profile_resources(source: ProfileSource) -> None:
    """Check that the photo, if any, is a file beside the profile; the renderer loads nothing else."""
    image = source.profile.basics.image
    if image is None:
        return
    field = ("basics", "image")
    profile_folder = source.document.path.resolve().parent
    if "://" in image:
        raise ProfileError([source.problem_at(
            field,
            f'"{image}" is a URL; cvbuild loads nothing from the network',
            hint="save the photo next to the profile and give its file name",
        )])
    path = (profile_folder / image).resolve()
    if not path.is_relative_to(profile_folder):
        raise ProfileError([source.problem_at(
            field,
            f'"{image}" is outside the profile\'s folder',
            hint="copy the photo into the profile's folder and give its path relative to it",
        )])
    if not path.is_file():
        logger.warning(
            "basics.image %s was not found next to the profile; themes that show a photo will leave it out", image
        )


class RenderCache:
    """Layouts shared by the artifacts of one build, each computed at most once.

    The full PDF's layout doubles as the fitter's measuring pass, and the
    one-page selection drives both the short PDF and the short DOCX.
    """

    def __init__(self, inputs: BuildInputs) -> None:
        self.inputs = inputs
        self._full_document: Document | None = None
        self._fit: FitResult | None = None
        self._glyphs_checked = False

    def check_glyphs(self) -> None:
        """Warn, once per build, about characters the theme's fonts cannot draw."""
        if self._glyphs_checked:
            return
        from cvbuild.glyphs import warn_about_missing_glyphs
        from cvbuild.render.view import build_document_view

        theme = self.inputs.theme
        warn_about_missing_glyphs(
            build_document_view(self.inputs.profile), theme.font_path("regular"), theme.tokens.fonts.family
        )
        self._glyphs_checked = True

    def full_document(self) -> Document:
        if self._full_document is None:
            from cvbuild.fit import layout_profile

            # The fitter's one-page CSS differs from this only in the page
            # numbers in the margin, so this layout also serves as its measurement.
            started = time.perf_counter()
            self._full_document = layout_profile(self.inputs, self.inputs.profile, "")
            logger.info("laid out the full document in %.2f s", time.perf_counter() - started)
        return self._full_document

    def fit(self) -> FitResult:
        if self._fit is None:
            from cvbuild.fit import fit_one_page

            self._fit = fit_one_page(self.inputs, self._full_document)
        return self._fit


def build_artifact(
    inputs: BuildInputs,
    output_format: OutputFormat,
    variant: Variant = "full",
    cache: RenderCache | None = None,
) -> Artifact:
    """Render one artifact and write it atomically."""
    started = time.perf_counter()
    cache = cache or RenderCache(inputs)
    cache.check_glyphs()
    path = output_path(inputs, output_format, variant)

    if output_format == "pdf":
        from cvbuild.render.pdf import metadata_for, pdf_bytes

        document = cache.fit().document if variant == "short" else cache.full_document()
        content, pages = pdf_bytes(document, metadata_for(inputs)), len(document.pages)
    else:
        from cvbuild.render.docx import render_docx

        if variant == "short":
            fit = cache.fit()
            content, pages = render_docx(inputs, variant, profile=fit.profile, tightening=fit.tightening)
        else:
            content, pages = render_docx(inputs, variant)

    from cvbuild.output import write_atomically

    write_atomically(path, content)
    seconds = time.perf_counter() - started
    logger.info("wrote %s in %.2f s", path, seconds)
    return Artifact(path, output_format, variant, pages, len(content), seconds)


ALL_ARTIFACTS: tuple[tuple[OutputFormat, Variant], ...] = (
    ("pdf", "full"),
    ("pdf", "short"),
    ("docx", "full"),
    ("docx", "short"),
)


def build_all(inputs: BuildInputs) -> tuple[list[Artifact], RenderCache]:
    """Render and write every artifact.

    The layouts and the one-page selection are computed before any file is
    written, so a profile whose must-keep items cannot fit writes nothing.
    """
    cache = RenderCache(inputs)
    started = time.perf_counter()
    cache.full_document()
    layout_seconds = time.perf_counter() - started
    started = time.perf_counter()
    cache.fit()
    fit_seconds = time.perf_counter() - started

    # Each artifact's time includes the shared work it needs first: the full
    # layout for the full PDF, the one-page fit for the short PDF.
    shared_seconds = {("pdf", "full"): layout_seconds, ("pdf", "short"): fit_seconds}
    artifacts = []
    for output_format, variant in ALL_ARTIFACTS:
        artifact = build_artifact(inputs, output_format, variant, cache)
        extra = shared_seconds.get((output_format, variant), 0.0)
        artifacts.append(replace(artifact, seconds=artifact.seconds + extra))
    return artifacts, cache
