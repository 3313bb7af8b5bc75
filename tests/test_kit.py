"""The student kit (autograder/kit.py): released exercises checked offline with nothing of the grader side.

One kit is built for a few representative units (plain values; black boxes served as oracles;
tapes, Hessians and oracles), then one process with only the kit and the site-packages on
sys.path (`python -I -S`, so not the editable install) runs their released notebooks with the
source's solutions and with each wrong answer of samples/wrong spliced in (tests/kit_runner.py).
"""

import json
import subprocess
import sys
import sysconfig

import numpy as np
import pytest

from autograder import cli, kit, question
from autograder.checks import judge_case
from autograder.notebooks import ROOT, nbgrader_cells
from autograder.sample_class import SOLUTION, Student, Unit, load_wrong_module, submission

UNITS = ["01_tensors", "03_partial_derivatives", "06_hessians"]
RUNNER = ROOT / "tests" / "kit_runner.py"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    dest = tmp_path_factory.mktemp("kit")
    return dest, kit.build(dest, UNITS)


def students(unit):
    """The solution, then as many students as the question with the most wrong answers has: the
    k-th answers each question with its k-th wrong answer (or the solution when it has fewer)."""
    most = max(len(ws) for ws in unit.wrong.values())
    yield "right", {q: SOLUTION for q in unit.questions}
    yield "blank", {}  # the release as it is
    for k in range(most):
        yield f"wrong{k}", {q: (unit.wrong.get(q, [])[k:k + 1] or [SOLUTION])[0] for q in unit.questions}


@pytest.fixture(scope="module")
def ran(built):
    """{(unit, student): [(question, answer, {"stdout", "error"}) per test cell]} and what was importable."""
    dest, _ = built
    jobs, answered = [], {}
    for name in UNITS:
        unit = Unit.load(name)
        for sid, answers in students(unit):
            nb = submission(unit, Student(sid, "", answers))
            cells, tests = [], []
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
                q = grade_id.removeprefix("test_") if grade_id.startswith("test_") else None
                tests.append((q, answers.get(q, "blank")))
                cells.append(cell.source)
            jobs.append({"id": f"{name}/{sid}", "cells": cells})
            answered[f"{name}/{sid}"] = tests
    out = subprocess.run([sys.executable, "-I", "-S", str(RUNNER), str(dest), sysconfig.get_paths()["purelib"]],
                         input=json.dumps({"notebooks": jobs}), capture_output=True, text=True, cwd="/",
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    cells = {key: [(q, a, r) for (q, a), r in zip(answered[key], report["results"][key]) if q]
             for key in answered}
    return report, cells


def check_lines(stdout):
    return [line for line in stdout.splitlines() if not line.startswith("  (your code wrote")]


def test_the_kit_holds_the_student_side_a_checks_module_and_the_bank_only(built):
    dest, package = built
    student = {p.name for p in (ROOT / "autograder" / "student").glob("*.py")}
    files = {str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()}
    allowed = {"autograder/__init__.py", "autograder/checks.py", "autograder/bank/index.json"} \
        | {f"autograder/student/{n}" for n in student} | {f"autograder/bank/{u}.json" for u in UNITS}
    assert files == allowed
    assert json.loads((package / "bank" / "index.json").read_text()) == \
        {q.name: u for u in UNITS for q in question.for_unit(u)}


def test_the_kit_holds_no_solution_reference_generator_or_judge(built):
    dest, _ = built
    texts = {str(p.relative_to(dest)): p.read_text() for p in dest.rglob("*") if p.is_file()}
    grader_side = [p.read_text() for p in (ROOT / "autograder").glob("*.py")] + \
        [p.read_text() for p in (ROOT / "autograder" / "questions").glob("*.py")]
    solutions = [body for u in UNITS for body in _solution_bodies(u)]
    assert solutions
    for name, text in texts.items():
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "def expected(self",
                       "def hidden(self, rng", "def judge(self, got", "def student_args(self", "self.case("):
            assert marker not in text, f"{name}: {marker}"
        assert text not in grader_side or name == "autograder/__init__.py", f"{name} is a grader-side file"
        for body in solutions:
            assert body not in text, f"{name} holds a solution:\n{body}"


def _solution_bodies(unit):
    """The solution cells' code below their `def` lines (the release keeps the signatures)."""
    from autograder import notebooks

    nb = notebooks.read(notebooks.exercise(unit))
    for cell, meta in nbgrader_cells(nb):
        if meta.get("solution") and cell.cell_type == "code":
            lines = [ln for ln in cell.source.splitlines() if ln.strip() and "SOLUTION" not in ln
                     and not ln.lstrip().startswith(("def ", "#", '"""', "return", "import", "from"))]
            body = "\n".join(lines[:3])
            if len(body) > 40:
                yield body


def test_the_kit_imports_none_of_the_grader_side(ran):
    report, _ = ran
    importable = report["importable"]
    assert importable["autograder"].endswith("/autograder/__init__.py") and "/kit" in importable["autograder"]
    assert "/kit" in importable["autograder.checks"] and not importable["checks has judge_case"]
    for grader in ("autograder.questions", "autograder.question", "autograder.engine", "autograder.sandbox",
                   "autograder.kit", "autograder.sample_class"):
        assert importable[grader] is None, grader
    student = [n for n in importable if n.startswith("autograder.student")]
    assert len(student) == len(list((ROOT / "autograder" / "student").glob("*.py")))
    for name in student:
        assert "/kit" in importable[name], f"{name}: {importable[name]}"
    assert all(m in ("autograder", "autograder.checks") or m.startswith("autograder.student.")
               or m == "autograder.student" for m in report["modules"])


def test_the_solutions_pass_every_check_offline(ran):
    _, cells = ran
    for u in UNITS:
        runs = cells[f"{u}/right"]
        assert [q for q, _, _ in runs] == [q.name for q in question.for_unit(u)]
        for q, _, result in runs:
            assert result["error"] is None, f"{u} {q}: {result}"
            lines = check_lines(result["stdout"])
            public = question.get(q).public()
            assert lines == [f"✓ {c.label}" for c in public] + [f"✓ {len(banked(q))} random cases"], lines


def test_the_untouched_release_is_not_answered_yet_offline(ran):
    _, cells = ran
    for u in UNITS:
        runs = cells[f"{u}/blank"]
        assert len(runs) == len(question.for_unit(u))
        for q, _, result in runs:
            assert check_lines(result["stdout"]) == [f"✗ {q} is not answered yet: replace `raise "
                                                     "NotImplementedError()` with your code"], result
            assert result["error"] == f"CheckFailed: {q}: not answered yet; write it in the cell above " \
                                      "and run this cell again."


def banked(name):
    q = question.get(name)
    return q.hidden(np.random.default_rng(kit.bank_seed(name)))[: q.n_hidden]


@pytest.mark.parametrize("unit", UNITS)
def test_each_wrong_answer_gets_the_graders_own_causes_offline(ran, unit):
    _, cells = ran
    wrong = load_wrong_module(unit)
    seen = 0
    for key in (k for k in cells if k.startswith(f"{unit}/wrong")):
        for name, answer, result in cells[key]:
            if answer == SOLUTION:
                continue
            seen += 1
            q, fn = question.get(name), getattr(wrong, answer)
            lines = check_lines(result["stdout"])
            public = []
            for case in q.public():
                problem, _ = judge_case(q, fn, case)
                public.append(f"✗ {case.label}: {problem}" if problem else f"✓ {case.label}")
            assert lines[: len(public)] == public, f"{answer}:\n" + "\n".join(lines)
            drawn = banked(name)
            causes = {}
            for case in drawn:
                problem, _ = judge_case(q, fn, case)
                if problem:
                    causes[f"  ✗ {case.label}: {problem}"] = problem
            rest = lines[len(public):]
            if causes:
                assert rest[0] == f"{len(causes)} of {len(drawn)} random cases failed, for example:", rest
                assert rest[1:] and all(line in causes for line in rest[1:]), f"{answer}:\n" + "\n".join(rest)
            else:
                assert rest == [f"✓ {len(drawn)} random cases"], f"{answer}: {rest}"
            failed = causes or any(line.startswith("✗") for line in public)
            assert (result["error"] or "").startswith("CheckFailed: ") == bool(failed), f"{answer}: {result}"
    assert seen == sum(len(ws) for ws in Unit.load(unit).wrong.values())


def test_kit_writes_where_it_is_told_and_refuses_a_file_or_a_folder_it_cannot_use(tmp_path, capsys, built):
    plain = tmp_path / "plain.txt"
    plain.write_text("not a folder")
    assert cli.main(["kit", str(plain), "01_tensors"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(plain) in err
    assert cli.main(["kit", str(plain / "sub"), "01_tensors"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(plain / "sub") in err
    other = tmp_path / "home"
    (other / "notes").mkdir(parents=True)
    assert cli.main(["kit", str(other), "01_tensors"]) != 0
    assert str(other) in capsys.readouterr().err and (other / "notes").is_dir()
