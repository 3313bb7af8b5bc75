"""The student kit: what a graded class's students hold to run their exercises' checks offline.

`build(dest)` writes `dest/autograder/`, a package that makes the released exercises' setup cell
(`from autograder.checks import checking`) and test cells work with `dest` on sys.path:

    autograder/__init__.py
    autograder/checks.py      `checking` and `CheckFailed` from student/bank.py
    autograder/student/       the student side, as the grading sandbox holds it
    autograder/bank/          index.json (question -> unit) and one <unit>.json per unit

The bank is data (wire.dumps: JSON with arrays as dtype, shape and bytes). Per question: its
declared tolerance, its public cases and `Question.n_hidden` random cases drawn once from a
stream of their own ("bank:<question>", never a grading stream); per case the step's arguments
(black boxes as the plain spec of their TensorFlow function, autograder.student.families), the
reference value (`Question.expected`), the source solution's answer as described, every wrong
answer of samples/wrong/<unit>.py that the question's judge rejects on that case (its answer as
described and the judge's own sentence) or accepts there, and the tolerance of offline
comparisons: the unit's ATOL/RTOL, tightened on that case until no known mistake passes. Nothing else of the grader side goes in: no
question declarations, case generators, references as code, judges, solutions or engine.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import inspect
import json
import shutil
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import question as questions
from .checks import run_case, verdict
from .errors import CourseError
from .notebooks import ROOT, units as all_units
from .question import Case, Question
from .sample_class import load_wrong_module, solution_namespace
from .student import wire
from .student.compare import TIGHT, answer_part, same
from .student.oracles import Table

PACKAGE = ROOT / "autograder"
CHECKS = '''"""The student kit's checks (written by autograder/kit.py): each question's public cases and a bank of
pre-drawn random cases, judged offline. Grades never come from here: the grader runs its own checks."""

from .student.bank import CheckFailed, checking  # noqa: F401
'''


def bank_seed(name: str) -> int:
    """The seed of a question's banked random cases: a stream no grading run uses."""
    return int.from_bytes(hashlib.sha256(f"bank:{name}".encode()).digest()[:8], "little")


def tolerance(q: Question) -> tuple[float, float]:
    """(atol, rtol) the question's unit declares for its judges (ATOL, RTOL), else float32's."""
    module = sys.modules[type(q).__module__]
    atol = getattr(module, "ATOL", 1e-5)
    return float(atol), float(getattr(module, "RTOL", atol))


def bank_case(q: Question, case: Case, right: Callable, wrong: list[Callable]) -> dict:
    """One case as data: what the step receives, the reference, a right answer and the known mistakes."""
    table, args = Table.for_case(q, case)
    oracles = []
    for o in table.oracles:
        spec = getattr(o.fn, "spec", None)
        if spec is None:
            raise CourseError(f"{inspect.getsourcefile(type(q))}: a black box of {q.name} has no spec; "
                              "build it with a builder of autograder/student/families.py")
        oracles.append({"spec": spec, "name": o.name, "key": o.key, "out": o.out, "tree": o.tree})
    right_got, _ = run_case(q, right, case)
    mistakes: list[dict] = []
    accepted: list = []  # wrong answers the judge lets pass on this case
    for fn in wrong:
        got, _ = run_case(q, fn, case)
        cause = verdict(q, got, case)
        got = wire.roundtrip({k: v for k, v in got.items() if k != "seconds"} if isinstance(got, dict) else got)
        if cause and not any(same(got, m["got"], **TIGHT) for m in mistakes):
            mistakes.append({"got": got, "cause": cause, "answer": fn.__name__})
        elif not cause and not any(same(got, a, **TIGHT) for a in accepted):
            accepted.append(got)
    banked = wire.roundtrip({"label": case.label, "args": args, "oracles": oracles, "expected": q.expected(*case.args),
                             "right": right_got, "accepted": accepted, "mistakes": mistakes})
    banked["atol"], banked["rtol"] = calibrated(*tolerance(q), [banked])
    return banked


def calibrated(atol: float, rtol: float, cases: list[dict]) -> tuple[float, float]:
    """The question's tolerance for `cases`, tightened (atol first, then rtol down to TIGHT's) until no known
    mistake passes as right offline, unless its numbers are the right ones up to float32 rounding
    (those differ in kind or evidence, and only the TIGHT match of a known mistake tells them)."""
    def passing(atol: float, rtol: float) -> bool:
        for case in cases:
            drop = [o["key"] for o in case["oracles"]]
            right = answer_part(case["right"], drop)
            for m in case["mistakes"]:
                mine = answer_part(m["got"], drop)
                if not same(mine, right, **TIGHT, strict=False) and \
                        same(mine, right, atol=atol, rtol=rtol, strict=False):
                    return True
        return False

    while passing(atol, rtol) and (atol > TIGHT["atol"] or rtol > TIGHT["rtol"]):
        atol, rtol = (max(atol / 10, TIGHT["atol"]), rtol) if atol > TIGHT["atol"] else (atol, max(rtol / 10, TIGHT["rtol"]))
    return atol, rtol


def bank_unit(unit: str) -> dict:
    """Every question of `unit` with its banked cases."""
    with contextlib.redirect_stdout(io.StringIO()):  # the setup cell prints TensorFlow's version
        solutions = solution_namespace(unit)
    module = load_wrong_module(unit)
    out = {}
    for q in questions.for_unit(unit):
        wrong = [getattr(module, n) for n in vars(module) if n.startswith(f"{q.name}__")]
        drawn = q.hidden(np.random.default_rng(bank_seed(q.name)))[: q.n_hidden]
        public = [bank_case(q, c, solutions[q.name], wrong) for c in q.public()]
        random = [bank_case(q, c, solutions[q.name], wrong) for c in drawn]
        atol, rtol = tolerance(q)
        out[q.name] = {"atol": atol, "rtol": rtol, "public": public, "random": random}
    return {"unit": unit, "questions": out}


def build(dest: Path, units: list[str] | None = None) -> Path:
    """Write the student kit into `dest` (see the module docstring); returns dest/autograder.

    `dest` may be new, empty, or a kit built before (rebuilt); anything else is refused.
    `units` limits the bank to some units (default: every unit with declared questions).
    """
    dest = Path(dest).resolve()
    if dest.exists() and not dest.is_dir():
        raise CourseError(f"{dest} is a file; give a folder for the student kit")
    if dest.is_dir() and any(p.name != "autograder" for p in dest.iterdir()):
        raise CourseError(f"{dest} is not empty and holds no student kit; give a new or empty folder")
    try:
        dest.mkdir(parents=True, exist_ok=True)
        staging = dest / ".autograder.new"
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "bank").mkdir(parents=True)
    except OSError as e:
        raise CourseError(f"{dest} cannot be written ({e.strerror}); give a folder you can write") from None
    try:
        shutil.copy2(PACKAGE / "__init__.py", staging / "__init__.py")
        shutil.copytree(PACKAGE / "student", staging / "student",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (staging / "checks.py").write_text(CHECKS)
        index = {}
        for unit in units or all_units():
            banked = bank_unit(unit)
            (staging / "bank" / f"{unit}.json").write_bytes(wire.dumps(banked))
            index.update({name: unit for name in banked["questions"]})
        (staging / "bank" / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a kit built before stays as it was
        raise
    shutil.rmtree(dest / "autograder", ignore_errors=True)
    staging.rename(dest / "autograder")
    return dest / "autograder"
