"""What an exercise's test cell calls: run a question's cases and report in plain words.

    with checking("as_param", as_param) as check:
        check.public()      # the lecture's values, one line per case
        check.random()      # random cases: fresh each run, seeded per student when graded
        ### BEGIN HIDDEN TESTS
        check.hidden()      # more random cases, only in the graded copy
        ### END HIDDEN TESTS

Leaving the block raises `CheckFailed` if any case failed, so nbgrader gives the cell zero;
the student sees one line per failed case and no traceback of test code. Anything the
student's code writes to stderr or warns while it is checked is shown on stdout instead,
because nbgrader zeroes a test cell that has any stderr output.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from typing import Any, Callable

import numpy as np

from .student.compare import error_cause
from .student.oracles import Table
from .question import Case, Question, get
from .student import probes, steps, wire
from .student.values import is_error, show

MAX_SHOWN_HIDDEN_FAILURES = 3
MAX_RECORDED_CAUSES = 5       # failed cases per question handed to the engine as data


class CheckFailed(AssertionError):
    """Raised at the end of a test cell when some case failed; shown without a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"\x1b[0;31mCheckFailed\x1b[0m: {self}"]


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
    with probes.serving(lambda request: wire.roundtrip(table.serve(wire.roundtrip(request)))):
        got, noise = steps.run(steps.get(question.name), fn, args)
    return table.evidence(got), noise


def judge_case(question: Question, fn: Callable, case: Case) -> tuple[str | None, str]:
    """(problem or None, stderr noise) for one case."""
    got, noise = run_case(question, fn, case)
    try:
        want = question.expected(*case.args)
        problem = question.judge(got, want, *case.args)
    except Exception:  # a judge that cannot read the answer: the answer is wrong, say how
        problem = error_cause(got) if is_error(got) else \
            f"returned {show(got)}, which is not the kind of value the question asks for: " \
            "compare what your function returns with the statement"
    return problem, noise


class checking:
    """Context manager used by test cells; see the module docstring."""

    def __init__(self, name: str, fn: Callable, record: Callable[[dict], None] | None = None) -> None:
        self.question = get(name)
        self.fn = fn
        self.failures: list[str] = []
        self.unanswered = False  # the first case raised NotImplementedError: say so once, run no more
        self.record = record     # the grading engine's collector of causes (autograder/outcomes.py)
        self.recorded = 0

    def _cause(self, stream: str, case: str, problem: str) -> None:
        """Hand a failed case's cause to the engine as data (the first few per question)."""
        if self.record is not None and self.recorded < MAX_RECORDED_CAUSES:
            self.recorded += 1
            self.record({"question": self.question.name, "stream": stream, "case": case, "problem": problem})

    def __enter__(self) -> "checking":
        if not callable(self.fn):
            problem = (f"{self.question.name} is not a function here; run the cell that "
                       f"defines it, and keep its name `{self.question.name}`")
            self._cause("setup", "", problem)
            raise CheckFailed(problem)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            return None
        if self.unanswered:
            raise CheckFailed(f"{self.question.name}: not answered yet; write it in the cell above "
                              "and run this cell again.")
        if self.failures:
            raise CheckFailed(f"{self.question.name}: {'; '.join(self.failures)}. "
                              "Fix the cases marked ✗ above and run this cell again.")
        return None

    def public(self) -> None:
        """Run the public cases, printing one line per case."""
        cases = self.question.public()
        failed = 0
        for i, case in enumerate(cases):
            problem, noise = judge_case(self.question, self.fn, case)
            _print_noise(noise)
            if i == 0 and self._not_answered(problem):
                return
            if problem:
                failed += 1
                self._cause("public", case.label, problem)
                print(f"✗ {case.label}: {problem}")
            else:
                print(f"✓ {case.label}")
        if failed:
            self.failures.append(f"{failed} of {len(cases)} public cases failed")

    def random(self, n: int | None = None) -> None:
        """Run random cases (fresh each run for a student); print a summary and the first failures."""
        self._random_cases("random", n)

    def hidden(self, n: int | None = None) -> None:
        """Like `random`, from another stream; only graded copies run it."""
        self._random_cases("hidden", n)

    def _random_cases(self, stream: str, n: int | None) -> None:
        if self.unanswered:
            return
        cases = stream_cases(self.question, stream)
        if n is not None:
            cases = cases[:n]
        problems = []
        for i, case in enumerate(cases):
            problem, noise = judge_case(self.question, self.fn, case)
            _print_noise(noise)
            if i == 0 and not self.question.public() and self._not_answered(problem):
                return
            if problem:
                self._cause(stream, case.label, problem)
                problems.append(f"✗ {case.label}: {problem}")
        if problems:
            print(f"{len(problems)} of {len(cases)} {stream} cases failed, for example:")
            for line in problems[:MAX_SHOWN_HIDDEN_FAILURES]:
                print("  " + line)
            self.failures.append(f"{len(problems)} of {len(cases)} {stream} cases failed")
        else:
            print(f"✓ {len(cases)} {stream} cases")

    def _not_answered(self, problem: str | None) -> bool:
        """True (and one line printed) if the question's first case shows the release's placeholder."""
        if "raised NotImplementedError" not in (problem or ""):  # judges word it in their own way
            return False
        print(f"✗ {self.question.name} is not answered yet: replace `raise NotImplementedError()` "
              "with your code")
        self.failures.append("not answered yet")
        self._cause("public", "", "not answered yet")
        self.unanswered = True
        return True


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def _print_noise(noise: str) -> None:
    if noise.strip():
        text = _ADDRESS.sub("", noise.strip())
        print("  (your code wrote to stderr or warned; shown here: " + text.splitlines()[0][:150] + ")")
