"""Benchmark ``cvbuild build`` cold and warm on the owner's profile and a generated larger one.

Run from the repository root::

    .venv/bin/python benchmarks/run.py [--repeat N] [--output docs/benchmarks.md]

Cold runs start the real ``cvbuild`` console script in a fresh process per
command and record its wall time, CPU time and peak RSS. Warm runs happen in
one worker process (``benchmarks/warm.py``) that imports everything first
and times each stage of repeated builds. The report is Markdown: printed, or
written into the ``--output`` file between the result markers (a file
without the markers is replaced by a page holding only the results).
docs/benchmarks.md explains the method.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
WARM_WORKER = REPOSITORY / "benchmarks" / "warm.py"

BEGIN_MARKER = "<!-- benchmarks/run.py results: begin -->"
END_MARKER = "<!-- benchmarks/run.py results: end -->"

# Targets for the owner's profile, on a cold start.
TARGET_BUILD_SECONDS = 2.0
TARGET_PEAK_RSS_MIB = 120.0
TARGET_VALIDATE_SECONDS = 0.3
# An estimate of RenderCV's time to render one PDF on this machine, not
# measured by this script.
RENDERCV_ONE_PDF_SECONDS = 0.6

# A cold build runs mostly on one thread, so its wall time should barely
# exceed its CPU time. A larger median excess means other processes took the CPU, and
# the report states it.
CONTENTION_WARNING_FRACTION = 0.10

# Warm stages in build order: (key in warm.py's output, label).
WARM_STAGES = (
    ("load", "load: read and parse the YAML (`load_yaml_file`)"),
    ("validate", "validate: Pydantic's validator for `Profile`"),
    ("theme", "theme: read and check `theme.yaml`"),
    ("full_layout", "full layout pass: view, Jinja HTML, WeasyPrint layout"),
)
WARM_STAGES_AFTER_FIT = (
    ("pdf_serialise_full", "PDF serialise, full (`write_pdf`)"),
    ("pdf_serialise_short", "PDF serialise, one-page"),
    ("docx_render_full", "DOCX render and save, full"),
    ("docx_render_short", "DOCX render and save, one-page"),
    ("write", "write the 4 files (temporary file, fsync, rename)"),
)


@dataclass(frozen=True)
class ProfileUnderTest:
    name: str
    path: Path


@dataclass(frozen=True)
class ChildRun:
    """One command run in a fresh process."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_kib: int


class Launcher:
    """Runs commands in child processes and reads each child's own resource usage.

    On Linux a child's ``ru_maxrss`` starts from the RSS of the process that
    launched it: until it execs, the child runs in the launcher's memory
    (vfork) or a copy of it (fork), and exec keeps that peak. The
    launcher's own peak RSS is therefore a floor below which a child's peak
    cannot be seen, and ``peak_rss_kib`` records it.
    """

    def __init__(self, environment: dict[str, str]) -> None:
        self.environment = environment
        self.peak_rss_kib = 0

    def run(self, command: list[str]) -> ChildRun:
        self.peak_rss_kib = max(self.peak_rss_kib, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        with tempfile.TemporaryFile() as output:
            started = time.perf_counter()
            process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, env=self.environment, cwd=REPOSITORY
            )
            # wait4 returns the usage of this child alone, unlike RUSAGE_CHILDREN.
            _, status, usage = os.wait4(process.pid, 0)
            wall_seconds = time.perf_counter() - started
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode != 0:
                output.seek(0)
                text = output.read().decode("utf-8", "replace")
                raise SystemExit(f"error: {shlex.join(command)} failed with exit code {process.returncode}:\n{text}")
        return ChildRun(wall_seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def child_environment(pycache_folder: Path) -> dict[str, str]:
    """Copy this environment for the children, with bytecode cached in ``pycache_folder`` as after an install.

    With ``PYTHONDONTWRITEBYTECODE`` set, every cold run would compile
    cvbuild's own modules again. The prefix keeps the cache out of src/.
    """
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment["PYTHONPYCACHEPREFIX"] = str(pycache_folder)
    return environment


def cold_build(launcher: Launcher, cvbuild: Path, profile: Path, output_folder: Path) -> ChildRun:
    run = launcher.run([str(cvbuild), "build", "--profile", str(profile), "--output", str(output_folder)])
    written = sorted(path.name for path in output_folder.iterdir() if path.suffix in (".pdf", ".docx"))
    if len(written) != 4:
        raise SystemExit(f"error: cvbuild build wrote {written} to {output_folder}, expected 4 artifacts")
    return run


def measure_cold(
    launcher: Launcher, cvbuild: Path, profile: ProfileUnderTest, repeat: int, scratch: Path
) -> dict[str, list[ChildRun]]:
    """Run ``build`` and ``validate`` ``repeat`` times each, after one unrecorded run of each.

    The unrecorded runs fill the bytecode cache and the OS page cache, so
    "cold" means a fresh interpreter with the files already in memory.
    """
    validate_command = [str(cvbuild), "validate", "--profile", str(profile.path)]
    cold_build(launcher, cvbuild, profile.path, scratch / f"{profile.name}-warm-up")
    launcher.run(validate_command)

    builds = []
    for index in range(repeat):
        _progress(f"cold build {index + 1}/{repeat}: {profile.name}")
        builds.append(cold_build(launcher, cvbuild, profile.path, scratch / f"{profile.name}-cold-{index}"))
    _progress(f"cold validate x{repeat}: {profile.name}")
    validates = [launcher.run(validate_command) for _ in range(repeat)]
    return {"build": builds, "validate": validates}


def measure_warm(launcher: Launcher, profile: ProfileUnderTest, repeat: int) -> dict[str, Any]:
    _progress(f"warm builds x{repeat + 1}: {profile.name}")
    completed = subprocess.run(
        [sys.executable, str(WARM_WORKER), str(profile.path), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        env=launcher.environment,
        cwd=REPOSITORY,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"error: the warm worker failed on {profile.path}:\n{completed.stderr}{completed.stdout}")
    return json.loads(completed.stdout)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Machine and run facts -----------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


# Paths that a build reads. A change under them during a run mixes two versions in one report.
SOURCE_PATHS = ("src", "themes", "data", "pyproject.toml")


def _git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], capture_output=True, text=True, cwd=REPOSITORY, check=True
    ).stdout


def source_state() -> str:
    """Describe the commit measured and the source files that differ from it."""
    try:
        commit = _git("rev-parse", "--short", "HEAD").strip()
        changed = _git("status", "--porcelain", "--", *SOURCE_PATHS).splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (git is unavailable)"
    if not changed:
        return f"commit `{commit}`, with no uncommitted changes in {', '.join(SOURCE_PATHS)}"
    files = ", ".join(f"`{line[3:]}`" for line in changed)
    return f"commit `{commit}` with uncommitted changes in {files}"


def source_fingerprint() -> str | None:
    """Hash the commit, the uncommitted diff and the untracked files under ``SOURCE_PATHS``."""
    try:
        digest = hashlib.sha256(_git("rev-parse", "HEAD").encode())
        digest.update(_git("diff", "HEAD", "--", *SOURCE_PATHS).encode())
        untracked = _git("ls-files", "--others", "--exclude-standard", "--", *SOURCE_PATHS).splitlines()
    except (OSError, subprocess.CalledProcessError):
        return None
    for name in untracked:
        digest.update(name.encode())
        path = REPOSITORY / name
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def invoked_command() -> str:
    interpreter = Path(sys.executable)
    if interpreter.is_relative_to(Path.cwd()):
        interpreter = interpreter.relative_to(Path.cwd())
    return shlex.join([str(interpreter), *sys.argv])


# Report --------------------------------------------------------------------


def seconds_text(value: float) -> str:
    return f"{value:.3f} s"


def milliseconds_text(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def mib_text(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def table(header: list[str], rows: list[list[str]], right_aligned_from: int = 1) -> list[str]:
    alignments = ["---" if index < right_aligned_from else "---:" for index in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(alignments) + " |"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def warm_stage_values(warm: dict[str, Any]) -> list[dict[str, float]]:
    """Return each recorded run's stage times, adding "other" (what no stage covers) and "cpu_total"."""
    values = []
    for run in warm["runs"]:
        seconds = dict(run["seconds"])
        covered = sum(value for key, value in seconds.items() if key not in ("total", "full_layout_html"))
        seconds["other"] = seconds["total"] - covered
        seconds["cpu_total"] = run["cpu_seconds"]
        values.append(seconds)
    return values


def warm_table(profiles: list[ProfileUnderTest], warm_results: dict[str, dict[str, Any]]) -> list[str]:
    stage_values = {profile.name: warm_stage_values(warm_results[profile.name]) for profile in profiles}
    max_passes = max(len([key for key in run if key.startswith("fitter_pass_")])
                     for runs in stage_values.values() for run in runs)
    stages = [
        *WARM_STAGES,
        ("full_layout_html", "of which view and Jinja HTML"),
        *((f"fitter_pass_{index}", f"one-page fitter layout pass {index}") for index in range(1, max_passes + 1)),
        ("fitter_other", "fitter measuring and search, without its passes"),
        *WARM_STAGES_AFTER_FIT,
        ("other", "rest: resource and output-folder checks, bookkeeping"),
        ("total", "**whole build** (`prepare_build` + `build_all`)"),
        ("cpu_total", "whole build, CPU time of the process"),
    ]

    rows = []
    for key, label in stages:
        row = [label]
        for profile in profiles:
            samples = [run[key] for run in stage_values[profile.name] if key in run]
            if samples:
                row += [milliseconds_text(statistics.median(samples)), milliseconds_text(min(samples))]
            else:
                row += ["–", "–"]
        rows.append(row)

    def per_profile(describe: Any) -> list[str]:
        return [text for profile in profiles for text in describe(warm_results[profile.name])]

    rows.append(["fitter layout passes (`FitResult.layout_passes`)",
                 *per_profile(lambda warm: [_distinct(run["fitter_passes"] for run in warm["runs"]), ""])])
    rows.append(["WeasyPrint layouts per build (full + fitter)",
                 *per_profile(lambda warm: [_distinct(run["layout_profile_calls"] for run in warm["runs"]), ""])])
    rows.append(["imports, once per process (in the worker)",
                 *per_profile(lambda warm: [milliseconds_text(warm["import_seconds"]), ""])])
    rows.append(["first build after the imports, once per process",
                 *per_profile(lambda warm: [milliseconds_text(warm["first_build_seconds"]), ""])])
    rows.append(["peak RSS of the warm process",
                 *per_profile(lambda warm: [mib_text(warm["peak_rss_kib"]), ""])])

    header = ["stage"] + [f"{profile.name}: {kind}" for profile in profiles for kind in ("median", "min")]
    return table(header, rows)


def _distinct(values: Any) -> str:
    return " or ".join(str(value) for value in sorted(set(values)))


def cold_table(profiles: list[ProfileUnderTest], cold_results: dict[str, dict[str, list[ChildRun]]]) -> list[str]:
    rows = []
    for profile in profiles:
        for command in ("build", "validate"):
            runs = cold_results[profile.name][command]
            walls = [run.wall_seconds for run in runs]
            rows.append([
                profile.name,
                f"`cvbuild {command}`",
                seconds_text(statistics.median(walls)),
                seconds_text(min(walls)),
                seconds_text(max(walls)),
                seconds_text(statistics.median(run.cpu_seconds for run in runs)),
                mib_text(max(run.peak_rss_kib for run in runs)),
            ])
    header = ["profile", "command", "wall median", "wall min", "wall max", "CPU median", "peak RSS max"]
    return table(header, rows, right_aligned_from=2)


def cold_wait_fraction(cold_results: dict[str, dict[str, list[ChildRun]]]) -> float:
    """Return the median share of a cold run's wall time that its process spent off the CPU."""
    return statistics.median(
        1 - run.cpu_seconds / run.wall_seconds for runs in cold_results.values() for run in runs["build"]
    )


def targets_table(owner: dict[str, list[ChildRun]]) -> list[str]:
    build_seconds = statistics.median(run.wall_seconds for run in owner["build"])
    peak_kib = max(run.peak_rss_kib for run in owner["build"])
    validate_seconds = statistics.median(run.wall_seconds for run in owner["validate"])
    rows = [
        ["all four artifacts, cold (wall median)", f"< {TARGET_BUILD_SECONDS} s",
         seconds_text(build_seconds), verdict(build_seconds < TARGET_BUILD_SECONDS)],
        ["peak memory of that build (max RSS)", f"< {TARGET_PEAK_RSS_MIB:.0f} MiB",
         mib_text(peak_kib), verdict(peak_kib / 1024 < TARGET_PEAK_RSS_MIB)],
        ["`cvbuild validate`, cold (wall median)", f"< {TARGET_VALIDATE_SECONDS} s",
         seconds_text(validate_seconds), verdict(validate_seconds < TARGET_VALIDATE_SECONDS)],
        ["goal: all four artifacts in about RenderCV's time for one PDF",
         f"~{RENDERCV_ONE_PDF_SECONDS} s (estimate, not measured here)",
         seconds_text(build_seconds),
         f"{verdict(build_seconds <= RENDERCV_ONE_PDF_SECONDS)} ({build_seconds / RENDERCV_ONE_PDF_SECONDS:.1f}× the estimate)"],
    ]
    return table(["target (owner's profile)", "limit", "measured", "result"], rows, right_aligned_from=2)


def contention_note(cold_results: dict[str, dict[str, list[ChildRun]]]) -> str:
    # A process with helper threads can use more CPU time than wall time, which would read as a negative wait.
    fraction = max(cold_wait_fraction(cold_results), 0.0)
    note = f"A cold build spent a median {fraction:.0%} of its wall time off the CPU"
    if fraction > CONTENTION_WARNING_FRACTION:
        return note + ": most likely other processes competed for the CPU, so these times are too high."
    return note + ", so the runs had the CPU to themselves."


def render_report(
    profiles: list[ProfileUnderTest],
    cold_results: dict[str, dict[str, list[ChildRun]]],
    warm_results: dict[str, dict[str, Any]],
    facts: dict[str, str],
    repeat: int,
    source_changed: bool,
) -> str:
    lines = [
        BEGIN_MARKER,
        "## Results",
        "",
        f"Measured {facts['date']} with `{facts['command']}`, {repeat} recorded runs per row, "
        f"at {facts['source']}. Took {facts['runtime']}.",
        "",
        *(["**The sources changed during this run**, so its rows may measure different versions. "
           "Rerun when nobody is editing.", ""] if source_changed else []),
        "### Machine",
        "",
        *table(["", ""], [
            ["CPU", facts["cpu"]],
            ["cores", facts["cores"]],
            ["memory", facts["memory"]],
            ["OS", facts["os"]],
            ["Python", facts["python"]],
            ["WeasyPrint", facts["weasyprint"]],
            ["python-docx", facts["python-docx"]],
            ["load average (1 min) at start and end", facts["load"]],
        ], right_aligned_from=2),
        "",
        "### Profiles",
        "",
        *table(["profile", "file", "size", "full PDF pages"], [
            [profile.name, facts[f"{profile.name} file"], facts[f"{profile.name} size"],
             str(warm_results[profile.name]["runs"][0]["pages"]["pdf_full"])]
            for profile in profiles
        ], right_aligned_from=2),
        "",
        "### Targets",
        "",
        *targets_table(cold_results[profiles[0].name]),
        "",
        "### Cold: a fresh process per command",
        "",
        *cold_table(profiles, cold_results),
        "",
        f"Peak RSS is each child's own `ru_maxrss` from `os.wait4`. The launching process peaked at "
        f"{mib_text(int(facts['launcher rss kib']))}, so no child peak below that could have been seen.",
        "",
        contention_note(cold_results),
        "",
        "### Warm: stage times of repeated builds in one process",
        "",
        *warm_table(profiles, warm_results),
        "",
        "Each stage's median is taken on its own, so the medians need not add up to the median of the whole build.",
        END_MARKER,
    ]
    return "\n".join(lines) + "\n"


def write_report(report: str, path: Path) -> None:
    """Replace the results between the markers in ``path``, keeping the text around them."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    begin, end = text.find(BEGIN_MARKER), text.find(END_MARKER)
    if begin != -1 and end > begin:
        text = text[:begin] + report + text[end + len(END_MARKER):].lstrip("\n")
    else:
        text = "# Benchmarks\n\n" + report
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# Main ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="Recorded runs per measurement (default 5).")
    parser.add_argument("--output", type=Path, help="Write the report into this Markdown file instead of printing it.")
    parser.add_argument("--profile", type=Path, default=Path("data/profile.yaml"),
                        help="The owner's profile (default data/profile.yaml).")
    parser.add_argument("--scale", type=int, default=10,
                        help="Size of the generated profile, as a multiple of the owner's (default 10).")
    parser.add_argument("--cvbuild", type=Path, default=Path(sys.executable).parent / "cvbuild",
                        help="The cvbuild console script (default: the one beside this Python).")
    arguments = parser.parse_args()
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    if arguments.scale < 1:
        parser.error("--scale must be at least 1")
    if not arguments.cvbuild.is_file():
        parser.error(f"the cvbuild script {arguments.cvbuild} was not found; install cvbuild or pass --cvbuild")

    sys.path.insert(0, str(REPOSITORY))
    from tests.generated import generated_profile_yaml

    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    fingerprint_at_start = source_fingerprint()
    scratch = Path(tempfile.mkdtemp(prefix="cvbuild-benchmark-"))
    try:
        generated_path = scratch / f"generated-x{arguments.scale}.yaml"
        generated_path.write_text(generated_profile_yaml(arguments.scale), encoding="utf-8")
        profiles = [
            ProfileUnderTest("owner", arguments.profile.resolve()),
            ProfileUnderTest(f"generated x{arguments.scale}", generated_path),
        ]
        launcher = Launcher(child_environment(scratch / "pycache"))

        # Cold runs first, while this process is still small (see Launcher).
        cold_results = {
            profile.name: measure_cold(launcher, arguments.cvbuild.resolve(), profile, arguments.repeat, scratch)
            for profile in profiles
        }
        warm_results = {profile.name: measure_warm(launcher, profile, arguments.repeat) for profile in profiles}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    facts = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": invoked_command(),
        "source": source_state(),
        "runtime": f"{time.perf_counter() - started:.0f} s",
        "cpu": cpu_model(),
        "cores": f"{os.cpu_count()} logical, {len(os.sched_getaffinity(0))} usable by this process",
        "memory": memory_total_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "weasyprint": package_version("weasyprint"),
        "python-docx": package_version("python-docx"),
        "load": f"{load_at_start:.2f} and {os.getloadavg()[0]:.2f}",
        "launcher rss kib": str(launcher.peak_rss_kib),
        "owner file": f"`{arguments.profile}`",
        "owner size": f"{arguments.profile.stat().st_size / 1024:.1f} KiB",
        f"generated x{arguments.scale} file": f"`tests.generated.generated_profile_yaml({arguments.scale})`",
        f"generated x{arguments.scale} size": f"{len(generated_profile_yaml(arguments.scale).encode()) / 1024:.1f} KiB",
    }
    source_changed = source_fingerprint() != fingerprint_at_start
    report = render_report(profiles, cold_results, warm_results, facts, arguments.repeat, source_changed)
    if source_changed:
        _progress("warning: src/, themes/, data/ or pyproject.toml changed during the run; rerun when they are stable")
    if cold_wait_fraction(cold_results) > CONTENTION_WARNING_FRACTION:
        _progress("warning: the cold runs waited for the CPU; other processes were busy, so rerun on an idle machine")
    if arguments.output is None:
        print(report, end="")
    else:
        write_report(report, arguments.output)
        _progress(f"wrote {arguments.output}")


if __name__ == "__main__":
    main()
