"""Time repeated in-process builds of one profile, stage by stage, and print JSON.

``benchmarks/run.py`` starts this script in its own process. Usage::

    python benchmarks/warm.py PROFILE --repeat N

The script imports everything a build needs, runs one build that is not
recorded, then runs N recorded builds through ``prepare_build`` and
``build_all``, the two calls ``cvbuild build`` makes. Stage times come from
timing wrappers that this process installs on cvbuild's module attributes;
nothing under src/ changes.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

IMPORT_STARTED = time.perf_counter()
import docx  # noqa: E402
import weasyprint  # noqa: E402

import cvbuild.build  # noqa: E402
import cvbuild.cli  # noqa: E402
import cvbuild.fit  # noqa: E402
import cvbuild.load  # noqa: E402
import cvbuild.model  # noqa: E402
import cvbuild.output  # noqa: E402
import cvbuild.render.docx  # noqa: E402
import cvbuild.render.html  # noqa: E402
import cvbuild.render.pdf  # noqa: E402
import cvbuild.render.view  # noqa: E402
import cvbuild.theme  # noqa: E402
import cvbuild.validate  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - IMPORT_STARTED


# Stages every build must pass through; a missing one means a wrapper no longer sits on the call path.
EXPECTED_STAGES = (
    "load", "validate", "theme", "fit", "write",
    "pdf_serialise_full", "pdf_serialise_short", "docx_render_full", "docx_render_short",
)


class StageClock:
    """Wall times of the stages of one build, filled in by the wrappers from ``install``.

    Each wrapper replaces a function on its defining module and on every
    cvbuild module that imported it by name, so callers find the wrapper
    however they look the function up.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.seconds: dict[str, float] = {}
        self.layout_passes: list[dict[str, float]] = []
        self.fitter_passes: int | None = None
        self._artifact = ""
        self._current_pass: dict[str, float] | None = None
        self._in_theme = False

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def install(self) -> None:
        self._wrap(cvbuild.load, "load_yaml_file", self._load_stage)
        self._wrap(cvbuild.theme, "load_theme", lambda: "theme", flag="_in_theme")
        self._wrap(cvbuild.fit, "fit_one_page", lambda: "fit", on_result=self._record_fit)
        self._wrap(cvbuild.render.pdf, "pdf_bytes", lambda: f"pdf_serialise_{self._artifact}")
        self._wrap(cvbuild.render.docx, "render_docx", lambda: f"docx_render_{self._artifact}")
        self._wrap(cvbuild.output, "write_atomically", lambda: "write")
        self._wrap_validator()
        self._wrap_build_artifact()
        self._wrap_layout()

    def _load_stage(self) -> str | None:
        # theme.yaml is read inside load_theme, whose own time already covers it.
        return None if self._in_theme else "load"

    def _wrap(
        self,
        module: ModuleType,
        name: str,
        stage: Callable[[], str | None],
        on_result: Callable[[Any], None] | None = None,
        flag: str | None = None,
    ) -> None:
        original = _attribute(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if flag is not None:
                setattr(self, flag, True)
            started = time.perf_counter()
            try:
                result = original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                if flag is not None:
                    setattr(self, flag, False)
                label = stage()
                if label is not None:
                    self.add(label, elapsed)
            if on_result is not None:
                on_result(result)
            return result

        _replace_everywhere(original, timed)

    def _wrap_validator(self) -> None:
        """Time Pydantic's validation of the profile, wherever cvbuild calls ``Profile.model_validate``."""
        clock = self
        validator = cvbuild.model.Profile.__pydantic_validator__

        class TimedValidator:
            def validate_python(self, *args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return validator.validate_python(*args, **kwargs)
                finally:
                    clock.add("validate", time.perf_counter() - started)

            def __getattr__(self, name: str) -> Any:
                return getattr(validator, name)

        cvbuild.model.Profile.__pydantic_validator__ = TimedValidator()

    def _wrap_build_artifact(self) -> None:
        original = _attribute(cvbuild.build, "build_artifact")

        def labelled(inputs: Any, output_format: str, variant: str = "full", cache: Any = None) -> Any:
            self._artifact = variant
            return original(inputs, output_format, variant, cache)

        _replace_everywhere(original, labelled)

    def _wrap_layout(self) -> None:
        """Time each ``layout_profile`` call as one layout pass, split into its HTML and WeasyPrint parts."""
        layout_profile = _attribute(cvbuild.fit, "layout_profile")

        def timed_layout_profile(*args: Any, **kwargs: Any) -> Any:
            self._current_pass = {"html": 0.0, "weasyprint": 0.0}
            started = time.perf_counter()
            try:
                return layout_profile(*args, **kwargs)
            finally:
                self._current_pass["total"] = time.perf_counter() - started
                self.layout_passes.append(self._current_pass)
                self._current_pass = None

        _replace_everywhere(layout_profile, timed_layout_profile)
        for module, name, part in (
            (cvbuild.render.view, "build_document_view", "html"),
            (cvbuild.render.html, "render_html", "html"),
            (cvbuild.render.pdf, "layout_html", "weasyprint"),
        ):
            self._wrap_pass_part(module, name, part)

    def _wrap_pass_part(self, module: ModuleType, name: str, part: str) -> None:
        """Add the time of ``name`` to the current layout pass; calls outside a pass (the DOCX's view) count nowhere."""
        original = _attribute(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                if self._current_pass is not None:
                    self._current_pass[part] += time.perf_counter() - started

        _replace_everywhere(original, timed)

    def _record_fit(self, result: Any) -> None:
        self.fitter_passes = result.layout_passes


def _attribute(module: ModuleType, name: str) -> Any:
    try:
        return getattr(module, name)
    except AttributeError:
        raise SystemExit(
            f"error: cannot time the build: {module.__name__} has no attribute {name}; "
            "update benchmarks/warm.py to the current code"
        ) from None


def _replace_everywhere(original: Any, replacement: Any) -> None:
    """Set ``replacement`` on every loaded cvbuild module attribute that refers to ``original``."""
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("cvbuild"):
            continue
        for name, value in list(vars(module).items()):
            if value is original:
                setattr(module, name, replacement)


def run_build(profile: Path, output_folder: Path, clock: StageClock) -> dict[str, Any]:
    """Run one build as ``cvbuild build`` does and return its stage times in seconds."""
    clock.reset()
    started, cpu_started = time.perf_counter(), time.process_time()
    inputs = cvbuild.build.prepare_build(profile, None, output_folder)
    artifacts, _cache = cvbuild.build.build_all(inputs)
    total, cpu_total = time.perf_counter() - started, time.process_time() - cpu_started

    if len(artifacts) != 4:
        raise SystemExit(f"error: the build wrote {len(artifacts)} artifacts, expected 4")
    missing = sorted(set(EXPECTED_STAGES) - set(clock.seconds))
    if not clock.layout_passes or clock.fitter_passes is None or missing:
        raise SystemExit(
            f"error: the timing wrappers missed stages ({', '.join(missing) or 'layout passes'}); "
            "update benchmarks/warm.py to the current code"
        )

    seconds = dict(clock.seconds)
    full_pass, *fitter_passes = clock.layout_passes
    seconds["full_layout"] = full_pass["total"]
    seconds["full_layout_html"] = full_pass["html"]
    for index, layout_pass in enumerate(fitter_passes, start=1):
        seconds[f"fitter_pass_{index}"] = layout_pass["total"]
    # The fitter's own work besides laying out: measuring boxes and searching selections.
    seconds["fitter_other"] = seconds.pop("fit") - sum(layout_pass["total"] for layout_pass in fitter_passes)
    seconds["total"] = total
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_total,
        "fitter_passes": clock.fitter_passes,
        "layout_profile_calls": len(clock.layout_passes),
        "pages": {f"{artifact.output_format}_{artifact.variant}": artifact.pages for artifact in artifacts},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path, help="The profile YAML file to build.")
    parser.add_argument("--repeat", type=int, default=5, help="Number of recorded builds (default 5).")
    arguments = parser.parse_args()
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")

    clock = StageClock()
    clock.install()
    output_root = Path(tempfile.mkdtemp(prefix="cvbuild-warm-"))
    try:
        first = run_build(arguments.profile, output_root / "first", clock)
        runs = [run_build(arguments.profile, output_root / f"run-{index}", clock) for index in range(arguments.repeat)]
    finally:
        shutil.rmtree(output_root, ignore_errors=True)

    report = {
        "import_seconds": IMPORT_SECONDS,
        "first_build_seconds": first["seconds"]["total"],
        "runs": runs,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "versions": {"weasyprint": weasyprint.__version__, "python-docx": getattr(docx, "__version__", None)},
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
