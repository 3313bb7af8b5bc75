"""Every number a lecture's or exercise's prose states is one of its stored outputs, and every
"N points" of an exercise is one its graded cells declare (rules: autograder/prose.py)."""

import copy

import nbformat
import pytest

from autograder import notebooks, prose


NOTEBOOKS = notebooks.lectures() + [notebooks.exercise(unit) for unit in notebooks.units()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_number_in_a_lecture_s_or_exercise_s_prose_is_shown_by_a_cell(path):
    nb = notebooks.read(path)
    assert prose.unshown(nb) == [], "numbers in the prose that no output shows (or mark them):\n" + prose.report(path, nb)


def test_a_wrong_number_planted_in_a_lecture_is_caught():
    path = notebooks.lectures()[3]  # 04: its cells print dy/dx = 6 for y = x**2 at x = 3
    nb = notebooks.read(path)
    assert prose.unshown(nb) == []
    planted = copy.deepcopy(nb)
    cell = next(c for c in planted.cells if c.cell_type == "markdown")
    cell.source += "\n\nFor $y = x^2$ the tape gives 6.5 at $x = 3$; the cells print 6."
    problems = prose.unshown(planted)
    assert [p.number for p in problems] == ["6.5"], problems


@pytest.mark.parametrize("prose_number, outputs, shown", [
    ("0.12", ["0.1234"], True),            # the prose rounds the output
    ("0.12", ["0.126"], False),            # ... but rounds it right
    ("2.3e-5", ["2.31e-05"], True),
    ("11.5", ["43.7"], False),
    ("10,000", ["10000"], True),
    ("3.5e-4", ["-0.00035"], True),        # signs are ignored
    ("34", ["34.2"], True),
    ("1e-3", ["0.001"], True),
])
def test_a_prose_number_matches_an_output_rounded_to_its_digits(prose_number, outputs, shown):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("stream", name="stdout", text=" ".join(outputs))])])
    assert prose.shown(prose_number, prose.output_numbers(nb)) is shown


def test_formulas_code_names_references_years_and_markers_are_not_prose_numbers():
    text = ("## 3. Title\n\n1. first\n\nSeed 002 (2019, section 7–10, TensorFlow 2.21) gives $f = 42$ with "
            "`lr=0.05` on float32 input x2 from CS231n.\n<!-- numbers: 136 -->\nThe blog prints 136; we get 7.5.")
    assert [n for n, _ in prose.prose_numbers(text)] == ["7.5"]


def test_a_marker_that_lists_a_number_the_prose_no_longer_writes_is_reported():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("<!-- numbers: 40 46 -->\nThe post prints 40.")])
    assert [(p.number, "marker" in p.context) for p in prose.unshown(nb)] == [("46", True)]


def test_points_in_an_exercise_s_prose_must_be_the_points_its_graded_cells_declare():
    nb = notebooks.read(notebooks.exercise("06_hessians"))  # 11 points: 2 + 2 + 3 + 2 + 2
    assert prose.unshown(nb) == []
    planted = copy.deepcopy(nb)
    planted.cells[0].source = planted.cells[0].source.replace("11 points", "12 points")
    problems = prose.unshown(planted)
    assert [p.number for p in problems] == ["12"] and "declare" in problems[0].context, problems
