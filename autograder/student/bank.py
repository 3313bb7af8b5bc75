"""The student kit's checks: each question's banked cases, run and judged offline.

A graded class's students hold the student side of this package, a `checks.py` that
re-exports `checking` from here, and the bank (autograder/bank/<unit>.json, written by
autograder/kit.py on the grader side): per question its public cases and a fixed set of random
cases drawn once, each with the step's arguments (black boxes as the plain specs of their
functions, rebuilt here by autograder.student.families.build and served by an oracles' Table in
this same process), the reference value, a right answer and the known mistakes as described, with
the grader's sentence for each. The printing is the grader's own (autograder/student/checking.py);
the judgement is `compare.banked_verdict`. No grade depends on any of it: while a notebook is
graded, the grader runs its own checks.
"""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path
from typing import Any, Callable

from . import wire
from .checking import CheckFailed, Checking
from .compare import banked_verdict
from .families import build
from .oracles import Oracle, Table

BANK = Path(__file__).resolve().parent.parent / "bank"


@functools.cache
def _index() -> dict[str, str]:
    """question name -> unit, from the bank's index.json."""
    return json.loads((BANK / "index.json").read_text())


@functools.cache
def _unit(unit: str) -> dict:
    return wire.loads((BANK / f"{unit}.json").read_bytes())


class BankedCase:
    def __init__(self, data: dict) -> None:
        self.data, self.label = data, data["label"]


class BankJudge:
    """A question's banked cases and the offline judgement (the `Judge` of student/checking.py)."""

    def __init__(self, name: str) -> None:
        index = _index()
        if name not in index:
            raise KeyError(f"no question named {name!r}; declared: {', '.join(sorted(index))}")
        self.name, self.question = name, _unit(index[name])["questions"][name]

    def cases(self, stream: str) -> list[BankedCase]:
        """The public cases in order; for "random" (and "hidden") the bank's random cases, shuffled."""
        if stream == "public":
            return [BankedCase(c) for c in self.question["public"]]
        drawn = [BankedCase(c) for c in self.question["random"]]
        random.shuffle(drawn)
        return drawn

    def judge(self, fn: Callable, case: BankedCase) -> tuple[str | None, str]:
        table = Table()
        for o in case.data["oracles"]:
            table.add(Oracle(build(o["spec"]), name=o["name"], key=o["key"], out=o["out"], tree=o["tree"]))
        got, noise = table.run(self.name, fn, case.data["args"])
        got = wire.roundtrip(got)  # as the bank stores answers
        atol, rtol = case.data.get("atol", self.question["atol"]), case.data.get("rtol", self.question["rtol"])
        return banked_verdict(got, case.data, atol=atol, rtol=rtol,
                              drop=[o["key"] for o in case.data["oracles"]]), noise


class checking(Checking):
    """`with checking("name", fn) as check: check.public(); check.random()`, offline."""

    def __init__(self, name: str, fn: Callable, record: Any = None) -> None:
        super().__init__(BankJudge(name), fn, record)


__all__ = ["CheckFailed", "checking"]
