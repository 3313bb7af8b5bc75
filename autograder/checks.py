"""What an exercise's test cell calls: run a question's cases and report in plain words.

    with checking("as_param", as_param) as check:
        check.public()      # the lecture's values, one line per case
        check.random()      # random cases: fresh each run, seeded per student when graded
        ### BEGIN HIDDEN TESTS
        check.hidden()      # more random cases, only in the graded copy
        ### END HIDDEN TESTS

Leaving the block raises `CheckFailed` if any case failed, so nbgrader gives the cell zero.
What a test cell prints is said once, in autograder/student/checking.py, for this trusted judge
and for the student kit's offline one (autograder/student/bank.py); here are the cases, each
run through the question's step and judged by the question.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from typing import Any, Callable

import numpy as np

from .student.compare import error_cause
from .student.oracles import Table
from .question import Case, Question, get
from .student.checking import CheckFailed, Checking  # noqa: F401 - CheckFailed is raised to test cells from here
from .student.values import is_error, show


def student_id() -> str | None:
    """The student being graded: $AUTOGRADER_STUDENT, or nbgrader's autograded/<student>/<assignment>/ folder."""
    if os.environ.get("AUTOGRADER_STUDENT"):
        return os.environ["AUTOGRADER_STUDENT"]
    parts = os.path.normpath(os.getcwd()).split(os.sep)
    if len(parts) >= 3 and parts[-3] == "autograded":
        return parts[-2]
    return None


def case_seed(question: str, stream: str) -> int:
    """Seed of a question's random cases: per student when graded, fixed by $AUTOGRADER_SEED, else fresh."""
    student = student_id()
    if student is not None:
        key = f"{student}:{question}:{stream}"
    elif os.environ.get("AUTOGRADER_SEED"):
        key = f"seed={os.environ['AUTOGRADER_SEED']}:{question}:{stream}"
    else:
        return secrets.randbits(64)
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")


def stream_cases(question: Question, stream: str) -> list[Case]:
    """The cases a test cell runs: "public", or the "random" or "hidden" stream as seeded now."""
    if stream == "public":
        return question.public()
    return question.hidden(np.random.default_rng(case_seed(question.name, stream)))


STREAMS = ("public", "random", "hidden")  # what every graded test cell runs, in this order


def first_failure(question: Question, fn: Callable, stop: bool = True) -> str | None:
    """What a graded test cell would find wrong first ("case: problem"), or None if every case passes.

    Runs the public cases and the random and hidden streams as `case_seed` seeds them now;
    stop=False runs every case even after a failure (and still returns the first).
    """
    first = None
    for stream in STREAMS:
        for case in stream_cases(question, stream):
            problem, _ = judge_case(question, fn, case)
            if problem and first is None:
                first = f"{case.label}: {problem}"
                if stop:
                    return first
    return first


class Remote:
    """A student's function as trusted test code sees it while grading: it runs in another process.

    `session.run_case(name, question, case)` runs the question's step there on the case.
    """

    def __init__(self, name: str, session: Any) -> None:
        self._name, self._session = name, session

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{self._name} runs in the student's process; checks call it through a question")

    def __repr__(self) -> str:
        return f"<student's {self._name}>"

    def run_case(self, question: Question, case: Case) -> tuple[Any, str]:
        return self._session.run_case(self._name, question, case)


def run_case(question: Question, fn: Callable, case: Case) -> tuple[Any, str]:
    """Call the student's function on one case; (plain description, text it wrote to stderr)."""
    if isinstance(fn, Remote):  # grading engine: the step runs in the student's process
        return fn.run_case(question, case)
    table, args = Table.for_case(question, case)
    return table.run(question.name, fn, args)


def judge_case(question: Question, fn: Callable, case: Case) -> tuple[str | None, str]:
    """(problem or None, stderr noise) for one case."""
    got, noise = run_case(question, fn, case)
    return verdict(question, got, case), noise


def verdict(question: Question, got: Any, case: Case) -> str | None:
    """The question's judgement of an answer `got` (as run_case describes it) to `case`."""
    try:
        want = question.expected(*case.args)
        problem = question.judge(got, want, *case.args)
    except Exception:  # a judge that cannot read the answer: the answer is wrong, say how
        problem = error_cause(got) if is_error(got) else \
            f"returned {show(got)}, which is not the kind of value the question asks for: " \
            "compare what your function returns with the statement"
    return problem


class _TrustedJudge:
    """A question's cases and its own judge, in the trusted process (see student/checking.py)."""

    def __init__(self, question: Question) -> None:
        self.question, self.name = question, question.name

    def cases(self, stream: str) -> list[Case]:
        return stream_cases(self.question, stream)

    def judge(self, fn: Callable, case: Case) -> tuple[str | None, str]:
        return judge_case(self.question, fn, case)


class checking(Checking):
    """Context manager used by test cells; see the module docstring."""

    def __init__(self, name: str, fn: Callable, record: Callable[[dict], None] | None = None) -> None:
        self.question = get(name)
        super().__init__(_TrustedJudge(self.question), fn, record)
