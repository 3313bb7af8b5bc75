"""End to end through nbgrader: the sample class gets exactly the scores it declares."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course, notebooks
from autograder.notebooks import ROOT


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample-class")
    run = course.grade_sample_class(root, notebooks.units(), share=False, echo=lambda *a: None)
    return root, run


def test_every_question_of_every_sample_student_scores_as_declared(graded):
    _, run = graded
    assert run["got"] == run["expected"]


def test_the_solution_scores_full_marks_and_the_release_zero(graded):
    _, run = graded
    for unit, per_student in run["got"].items():
        assert sum(per_student["sample-correct"].values()) == run["maxima"][unit]
        assert sum(per_student["sample-blank"].values()) == 0


def test_every_wrong_answer_lost_its_points_in_a_real_notebook(graded):
    _, run = graded
    for unit, per_student in run["expected"].items():
        pitfalls = [s for s in per_student if s.startswith("sample-pitfalls-1")]
        assert pitfalls and all(v == 0 for v in run["got"][unit][pitfalls[0]].values())


def test_grades_csv_and_feedback_are_written_without_hidden_tests(graded):
    root, run = graded
    rows = list(csv.DictReader(open(root / "grades.csv")))
    assert len(rows) == sum(len(v) for v in run["expected"].values())
    for unit in run["expected"]:
        html = (root / "feedback" / "sample-partly-wrong" / unit / f"{unit}.html").read_text()
        assert "✗" in html and "check.hidden" not in html and "HIDDEN TESTS" not in html


def cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=ROOT, capture_output=True, text=True)


def test_a_missing_assignment_is_one_clear_sentence_and_a_nonzero_exit(tmp_path):
    r = cli("demo", "99_nothing", "--root", str(tmp_path / "c"))
    assert r.returncode != 0 and "99_nothing" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_malformed_notebook_is_named_and_nothing_is_written(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    r = cli("regen", str(bad))
    assert r.returncode != 0 and str(bad) in r.stderr and "Traceback" not in r.stderr
    assert bad.read_text() == "{not json"
