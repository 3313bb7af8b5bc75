"""The bundled sample class: real submissions built from release/, the solutions and samples/wrong/.

Each student is declared with what they answered per question, so the score they must get is
known before grading: a question scores its points only when answered with the solution.
The README's main job grades this class; tests/test_grading.py checks every score exactly.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import nbformat
from nbformat import NotebookNode

from . import notebooks
from .notebooks import ROOT, nbgrader_cells

WRONG = ROOT / "samples" / "wrong"  # misconception fixtures: each must lose its question
RIGHT = ROOT / "samples" / "right"  # other correct answers: each must earn its question
SIMILAR = ROOT / "samples" / "similar"  # the similarity report's planted pairs (copied, honest close)
ROSTER = ROOT / "samples" / "roster.csv"  # names and emails (nbgrader db student import)
SOLUTION = "solution"
BLANK = "blank"

# Due dates: unit NN is due NN weeks after DUE_ZERO. Every student hands in within the day before,
# except the LATE ones, who hand in this long after the due date, so nbgrader's late penalty
# (nbgrader_config.py: autograder.late.PercentPerDay, 10 % per started day) shows for them.
DUE_ZERO = datetime(2026, 9, 1, 17, 0, tzinfo=timezone.utc)
LATE = {"sample-noisy": timedelta(hours=2), "sample-partly-wrong": timedelta(days=2, hours=5)}
TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's timestamp.txt


def due_date(unit: str) -> datetime:
    return DUE_ZERO + timedelta(weeks=int(unit.split("_")[0]))


def handed_in(unit: str, student: str) -> datetime:
    """When `student` handed in `unit`: late by LATE[student], or early by up to a day."""
    if student in LATE:
        return due_date(unit) + LATE[student]
    return due_date(unit) - timedelta(minutes=1 + zlib.crc32(f"{unit}/{student}".encode()) % 1439)


def write_due_dates(path: Path, unit_names: list[str]) -> None:
    """The CSV `nbgrader db assignment import` reads: name, duedate."""
    path.write_text("name,duedate\n" + "".join(
        f"{name},{due_date(name).strftime(TIMESTAMP)}\n" for name in unit_names))


@dataclass
class Student:
    """A sample student: an answer per question (SOLUTION, BLANK or a wrong answer's name)."""

    id: str
    about: str
    answers: dict[str, str]
    tamper: Callable[[NotebookNode, "Unit"], None] | None = None
    noisy: bool = False
    extra_cell: str | None = None         # code inserted as a cell of its own
    extra_after_first: bool = False       # ... after the first answer instead of after setup
    raw: bytes | None = None              # hand in these bytes instead of a notebook
    filename: str | None = None           # hand it in under this name instead of <unit>.ipynb

    def expected(self, unit: "Unit") -> dict[str, float]:
        right = lambda a: a == SOLUTION or a in unit.right_source  # noqa: E731
        return {q: (unit.points[q] if right(self.answers.get(q)) else 0.0) for q in unit.questions}


@dataclass
class Unit:
    """What the sample class needs to know of one assignment."""

    name: str
    questions: list[str]
    points: dict[str, float]
    solutions: dict[str, str]
    wrong: dict[str, list[str]] = field(default_factory=dict)  # question -> wrong-answer names
    wrong_source: dict[str, str] = field(default_factory=dict)  # wrong-answer name -> code
    right: dict[str, list[str]] = field(default_factory=dict)  # question -> other right answers
    right_source: dict[str, str] = field(default_factory=dict)  # right answer's name -> code

    @classmethod
    def load(cls, name: str, source: Path = notebooks.SOURCE) -> "Unit":
        nb = notebooks.read(notebooks.exercise(name, source))
        questions, points, solutions = [], {}, {}
        for cell, meta in nbgrader_cells(nb):
            if meta.get("solution") and cell.cell_type == "code":
                questions.append(meta["grade_id"])
                solutions[meta["grade_id"]] = strip_solution_markers(cell.source)
            if meta.get("grade"):
                points[meta["grade_id"].removeprefix("test_")] = float(meta["points"])
        unit = cls(name, questions, points, solutions)
        unit.wrong, unit.wrong_source = wrong_answers(name)
        unit.right, unit.right_source = wrong_answers(name, RIGHT)
        unit.right_source.update(wrong_answers(name, SIMILAR)[1])  # the similarity pairs' answers
        return unit


def solution_namespace(unit: str) -> dict:
    """Exec the source notebook's setup and solution cells; the namespace holds every answer."""
    nb = notebooks.read(notebooks.exercise(unit))
    ns: dict = {}
    for cell, meta in nbgrader_cells(nb):
        if cell.cell_type == "code" and (meta["grade_id"] == "setup" or meta.get("solution")):
            exec(compile(cell.source, f"<{unit}:{meta['grade_id']}>", "exec"), ns)
    return ns


def strip_solution_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


def wrong_answers(unit: str, folder: Path = WRONG) -> tuple[dict[str, list[str]], dict[str, str]]:
    """{question: [answer names]} and {name: code defining `question`} from samples/wrong/<unit>.py
    (or another folder of samples/, such as RIGHT)."""
    path = folder / f"{unit}.py"
    if not path.exists():
        return {}, {}
    text = path.read_text()
    by_question: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and "__" in node.name.strip("_"):
            question = node.name.split("__")[0]
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])  # decorators too
            segment = "\n".join(text.splitlines()[first - 1:node.end_lineno])
            sources[node.name] = re.sub(rf"^def {re.escape(node.name)}\(", f"def {question}(", segment,
                                        flags=re.M)
            by_question.setdefault(question, []).append(node.name)
    return by_question, sources


def load_wrong_module(unit: str, folder: Path = WRONG):
    """samples/wrong/<unit>.py (or samples/right/...) as a module, for calling its answers directly."""
    return _load(folder / f"{unit}.py", f"{folder.name}_{unit}")


def _load(path: Path, name: str):
    """A Python file of samples/ as a module, wherever the command runs from."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- tampering -------------------------------------------------------------------------
def gut_test_cells(nb: NotebookNode, unit: Unit) -> None:
    """Replace every test cell with `pass`, change its points, and delete the last test cell."""
    tests = [cell for cell, meta in nbgrader_cells(nb) if meta.get("grade") and cell.cell_type == "code"]
    for cell in tests:
        cell.source = "pass  # tests removed by the student"
        cell.metadata["nbgrader"]["points"] = 100
    nb.cells.remove(tests[-1])


def retype_and_duplicate(nb: NotebookNode, unit: Unit) -> None:
    """Turn the first test cell into markdown, duplicate the second, and add a fake grade cell."""
    tests = [cell for cell, meta in nbgrader_cells(nb) if meta.get("grade") and cell.cell_type == "code"]
    tests[0].cell_type = "markdown"
    tests[0].pop("outputs", None)
    tests[0].pop("execution_count", None)
    if len(tests) > 1:
        duplicate = copy.deepcopy(tests[1])
        duplicate["id"] = f"{tests[1].get('id', 'test')}-copy"  # a copy-paste in JupyterLab gets a new id too
        nb.cells.insert(nb.cells.index(tests[1]), duplicate)
    fake = nbformat.v4.new_code_cell("pass  # my own test cell")
    fake.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "locked": True, "points": 50,
                                 "schema_version": 3, "solution": False, "task": False}
    nb.cells.append(fake)


def _hostile_students(unit: Unit, first_unit: bool) -> list[Student]:
    H = _load(ROOT / "samples" / "hostile.py", "sample_hostile")  # noqa: N806

    qs = unit.questions
    first = qs[0]
    roster = []
    for sid, (about, cell, body, where) in H.HOSTILE.items():
        # where: True (every unit, its first question), False (the first unit only), or
        # {unit: question} (those units, that question)
        target = where.get(unit.name) if isinstance(where, dict) else first if (where or first_unit) else None
        if target is None:
            continue
        if sid in H.ALL_WRONG:
            answers = {q: (unit.wrong[q][0] if unit.wrong.get(q) else BLANK) for q in qs}
        else:
            answers = {q: SOLUTION for q in qs}
        if body:
            answers[target] = f"hostile:{body.format(q=target)}"
        roster.append(Student(sid, about, answers, extra_cell=cell,
                              extra_after_first=sid in H.AFTER_FIRST_ANSWER))
    tampered = {q: SOLUTION for q in qs}
    roster.append(Student("hostile-cells", "a test cell re-typed as markdown, one duplicated, a fake "
                          "50-point test cell", tampered, tamper=retype_and_duplicate))
    blank = {q: BLANK for q in qs}
    roster += [
        Student("bad-json", "hands in a file that is not JSON", blank, raw=b'{"cells": [ oops'),
        Student("bad-not-a-notebook", "hands in a PNG named .ipynb", blank,
                raw=b"\x89PNG\r\n\x1a\n" + bytes(64)),
        Student("bad-wrong-name", "saves the notebook under another name", blank,
                filename=f"{unit.name} (1).ipynb"),
    ]
    return roster


# --- the class ---------------------------------------------------------------------------
def students(unit: Unit, hostile: bool = True, first_unit: bool = True) -> list[Student]:
    """The sample class of one unit: honest, blank, wrong, hard-coded, tampered, noisy, hostile, malformed."""
    qs = unit.questions
    solved = {q: SOLUTION for q in qs}
    roster = [
        Student("sample-correct", "every answer right", dict(solved)),
        Student("sample-blank", "handed in the release untouched", {q: BLANK for q in qs}),
    ]
    # the first three fixtures of each question; the rest are graded in tests/test_questions.py
    # and at 200 students by benchmarks/separation.py, which keeps the demo's time bounded
    depth = min(3, max((len(v) for v in unit.wrong.values()), default=0))
    for k in range(depth):
        answers = {q: (unit.wrong[q][k] if len(unit.wrong.get(q, [])) > k else SOLUTION) for q in qs}
        roster.append(Student(f"sample-pitfalls-{k + 1}",
                              f"wrong answer no. {k + 1} to every question that has one", answers))
    roster.append(Student(
        "sample-partly-wrong", "right on even questions, the first pitfall on odd ones",
        {q: (unit.wrong[q][0] if i % 2 and unit.wrong.get(q) else SOLUTION) for i, q in enumerate(qs)}))
    hard = {q: next((w for w in unit.wrong.get(q, []) if w.endswith("__hardcoded")), SOLUTION) for q in qs}
    roster.append(Student("sample-hardcoded", "returns the public values where it can", hard))
    first_wrong = next((q for q in qs if unit.wrong.get(q)), None)
    tampered = dict(solved)
    if first_wrong:
        tampered[first_wrong] = unit.wrong[first_wrong][0]
    roster.append(Student("sample-tampered", "one wrong answer; every test cell gutted, one deleted",
                          tampered, tamper=gut_test_cells))
    roster.append(Student("sample-noisy", "right answers that print to stderr and warn",
                          dict(solved), noisy=True))
    roster += _similarity_students(unit)
    if hostile:
        roster += _hostile_students(unit, first_unit)
    return roster


# The similarity report's planted pairs, in units that have samples/similar/<unit>.py.
COPIED_PAIR = ("sample-own-style", "sample-copier")
CLOSE_PAIR = ("sample-close-1", "sample-close-2")


def similarity_units() -> list[str]:
    return sorted(p.stem for p in SIMILAR.glob("[0-9][0-9]_*.py"))


def _similarity_students(unit: Unit) -> list[Student]:
    """A pair that copied (renamed, reordered, comments changed) and an honest pair that is close."""
    if unit.name not in similarity_units():
        return []
    qs = unit.questions
    variant = lambda q, k: unit.right[q][min(k, len(unit.right[q]) - 1)]  # noqa: E731
    return [
        Student(COPIED_PAIR[0], "every answer right, another way (samples/right/, first variant)",
                {q: variant(q, 0) for q in qs}),
        Student(COPIED_PAIR[1], f"hands in {COPIED_PAIR[0]}'s answers with variables renamed, "
                "statements and methods reordered, comments changed", {q: f"{q}__copier" for q in qs}),
        Student(CLOSE_PAIR[0], "every answer right, another way (samples/right/, second variant)",
                {q: variant(q, 1) for q in qs}),
        Student(CLOSE_PAIR[1], "the solution written independently in a slightly different style",
                {q: f"{q}__close" for q in qs}),
    ]


def honest(student: Student) -> bool:
    return student.id.startswith("sample-")


NOISE = '''
_quiet_{q} = {q}


def {q}(*args, **kwargs):
    import sys
    import warnings
    print("debug: calling {q}", file=sys.stderr)
    warnings.warn("a warning from the student's own code")
    return _quiet_{q}(*args, **kwargs)'''


def submission(unit: Unit, student: Student, release: Path = notebooks.RELEASE) -> NotebookNode:
    """The student's notebook: the release with their answers pasted into the solution cells."""
    nb = copy.deepcopy(notebooks.read(notebooks.exercise(unit.name, release)))
    for cell, meta in nbgrader_cells(nb):
        q = meta.get("grade_id")
        if not (meta.get("solution") and q in student.answers):
            continue
        answer = student.answers[q]
        if answer == SOLUTION:
            cell.source = unit.solutions[q]
        elif answer.startswith("hostile:"):
            cell.source = f"def {q}(*args, **kwargs):\n" + answer.removeprefix("hostile:").strip("\n")
        elif answer != BLANK:
            cell.source = unit.wrong_source.get(answer) or unit.right_source[answer]
        if student.noisy and answer == SOLUTION:
            cell.source += NOISE.format(q=q)
    if student.extra_cell:
        anchor = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")  # the setup cell
        if student.extra_after_first:
            anchor = next(i for i, c in enumerate(nb.cells)
                          if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"test_{unit.questions[0]}")
        nb.cells.insert(anchor + 1, nbformat.v4.new_code_cell(student.extra_cell.strip()))
    if student.tamper:
        student.tamper(nb, unit)
    return nb


def write_class(course_root: Path, unit_names: list[str], hostile: bool = True,
                only_honest: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    """Write every sample submission under course_root/submitted/; return expected scores.

    Returns {unit: {student: {question: points expected}}}.
    """
    expected: dict[str, dict[str, dict[str, float]]] = {}
    for i, name in enumerate(unit_names):
        unit = Unit.load(name, course_root / "source")
        expected[name] = {}
        for student in students(unit, hostile=hostile, first_unit=i == 0):
            if only_honest and not honest(student):
                continue
            dest = course_root / "submitted" / student.id / name / (student.filename or f"{name}.ipynb")
            dest.parent.mkdir(parents=True, exist_ok=True)
            if student.raw is not None:
                dest.write_bytes(student.raw)
            else:
                nbformat.write(submission(unit, student, course_root / "release"), str(dest))
            (dest.parent / "timestamp.txt").write_text(handed_in(name, student.id).strftime(TIMESTAMP))
            expected[name][student.id] = student.expected(unit)
    return expected
