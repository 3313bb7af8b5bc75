"""Notebook hygiene, release/ in sync with source/, and nbgrader validate on both."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import course, notebooks
from autograder.notebooks import ROOT

STORED = notebooks.lectures() + [notebooks.exercise(u) for u in notebooks.units()]
NBGRADER = [str(Path(sys.executable).parent / "nbgrader")]
ENV = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.name)
def test_stored_outputs_are_clean(path):
    assert notebooks.hygiene(notebooks.read(path), path) == []


def test_hygiene_catches_stderr_log_lines_addresses_and_disorder():
    nb = notebooks.read(notebooks.exercise("01_tensors"))
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[1].outputs = [nbformat.v4.new_output("stream", name="stderr", text="I0000 00:00 cudart_stub.cc\n")]
    code[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="<object at 0x7f3a2b1c9d80>\n")]
    code[3].execution_count = 99
    problems = " ".join(notebooks.hygiene(nb, Path("x.ipynb")))
    for word in ("stderr", "TensorFlow log line", "memory address", "execution counts"):
        assert word in problems


def test_a_lecture_without_the_setup_cell_is_refused():
    nb = notebooks.new_notebook([notebooks.code("print(1)")])
    assert any("setup cell" in p for p in notebooks.hygiene(nb, Path("x.ipynb")))


@pytest.fixture(scope="module")
def regenerated_release(tmp_path_factory):
    """release/ generated anew by nbgrader from a copy of source/."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "source", root / "source")
    (root / "nbgrader_config.py").write_text(
        f"load_subconfig({str(ROOT / 'nbgrader_config.py')!r})\n"
        f"c.CourseDirectory.root = {str(root)!r}\n")
    course.release(notebooks.units(), root, log=root / "release.log")
    return root / "release"


@pytest.mark.parametrize("unit", notebooks.units())
def test_release_is_what_nbgrader_generates_from_source(unit, regenerated_release):
    committed = notebooks.exercise(unit, notebooks.RELEASE)
    assert committed.exists(), f"{committed} missing: run ./course.sh release"
    fresh = notebooks.exercise(unit, regenerated_release)
    assert committed.read_text() == fresh.read_text(), f"{committed} is stale: run ./course.sh release"


@pytest.mark.parametrize("unit", notebooks.units())
def test_release_has_no_solutions_hidden_tests_or_outputs(unit):
    nb = notebooks.read(notebooks.exercise(unit, notebooks.RELEASE))
    text = notebooks.exercise(unit, notebooks.RELEASE).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "check.hidden"):
        assert marker not in text
    src = notebooks.read(notebooks.exercise(unit))
    solution_lines = {line.strip() for cell, meta in notebooks.nbgrader_cells(src) if meta.get("solution")
                      for line in cell.source.split("### BEGIN SOLUTION")[-1].split("### END SOLUTION")[0].splitlines()
                      if len(line.strip()) > 12}
    # lines the statement itself shows (a fix-me question quotes the broken code) are not leaks
    shown = {line.strip() for cell in src.cells if not cell.get("metadata", {}).get("nbgrader", {}).get("solution")
             for line in cell.source.splitlines()}
    solution_lines -= shown
    released = {line.strip() for c in nb.cells for line in c.source.splitlines()}
    assert not solution_lines & released
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.fixture(scope="module")
def validated():
    """`nbgrader validate` on every source and released exercise, in one nbgrader process (its
    start-up paid once): what it printed for each notebook, by path."""
    paths = [notebooks.exercise(u, folder) for folder in (notebooks.SOURCE, notebooks.RELEASE)
             for u in notebooks.units()]
    run = subprocess.run(NBGRADER + ["validate", *map(str, paths)], cwd=ROOT, env={**ENV, "PYTHONUNBUFFERED": "1"},
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # nbgrader logs "Validating '<path>'" (stderr) before each notebook's verdict (stdout): one
    # unbuffered stream keeps them in order
    said, now = {}, None
    for line in run.stdout.splitlines():
        for path in paths:
            if f"Validating '{path}'" in line:
                now = path
        if now is not None:
            said[now] = said.get(now, "") + line + "\n"
    return said, run


@pytest.mark.parametrize("unit", notebooks.units())
def test_nbgrader_validate_passes_on_source_and_fails_on_release(unit, validated):
    said, run = validated
    ok = said.get(notebooks.exercise(unit), "")
    assert "Success! Your notebook passes all the tests." in ok, ok or run.stdout
    bad = said.get(notebooks.exercise(unit, notebooks.RELEASE), "")
    assert "VALIDATION FAILED" in bad, bad or run.stdout
