"""What a test cell prints: one home for the lines of `checking`, whoever judges the cases.

    with checking("as_param", as_param) as check:
        check.public()      # the lecture's values, one line per case
        check.random()      # random cases: a summary line and the first failures

Two judges plug in here. The grader's (autograder/checks.py) runs a question's cases and judges
each one with the question's own judge, in the trusted process; the student kit's
(autograder/student/bank.py) judges the pre-drawn cases of its bank offline. Both hand `Checking`
a `Judge`: the question's name, its cases per stream ("public", "random", "hidden"), each with a
`label`, and `judge(fn, case) -> (problem or None, stderr noise)`.

Leaving the block raises `CheckFailed` if any case failed, so nbgrader gives the cell zero;
the student sees one line per failed case and no traceback of test code. Anything the
student's code writes to stderr or warns while it is checked is shown on stdout instead,
because nbgrader zeroes a test cell that has any stderr output.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Protocol

MAX_SHOWN_HIDDEN_FAILURES = 3
MAX_RECORDED_CAUSES = 5       # failed cases per question handed to the engine as data


class CheckFailed(AssertionError):
    """Raised at the end of a test cell when some case failed; shown without a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"\x1b[0;31mCheckFailed\x1b[0m: {self}"]


class Judge(Protocol):
    name: str

    def cases(self, stream: str) -> list: ...

    def judge(self, fn: Callable, case: Any) -> tuple[str | None, str]: ...


class Checking:
    """Context manager used by test cells; see the module docstring."""

    def __init__(self, judge: Judge, fn: Callable, record: Callable[[dict], None] | None = None) -> None:
        self.judge = judge
        self.name = judge.name
        self.fn = fn
        self.failures: list[str] = []
        self.unanswered = False  # the first case raised NotImplementedError: say so once, run no more
        self.record = record     # the grading engine's collector of causes (autograder/outcomes.py)
        self.recorded = 0

    def _cause(self, stream: str, case: str, problem: str) -> None:
        """Hand a failed case's cause to the engine as data (the first few per question)."""
        if self.record is not None and self.recorded < MAX_RECORDED_CAUSES:
            self.recorded += 1
            self.record({"question": self.name, "stream": stream, "case": case, "problem": problem})

    def __enter__(self) -> "Checking":
        if not callable(self.fn):
            problem = (f"{self.name} is not a function here; run the cell that "
                       f"defines it, and keep its name `{self.name}`")
            self._cause("setup", "", problem)
            raise CheckFailed(problem)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            return None
        if self.unanswered:
            raise CheckFailed(f"{self.name}: not answered yet; write it in the cell above "
                              "and run this cell again.")
        if self.failures:
            raise CheckFailed(f"{self.name}: {'; '.join(self.failures)}. "
                              "Fix the cases marked ✗ above and run this cell again.")
        return None

    def public(self) -> None:
        """Run the public cases, printing one line per case."""
        cases = self.judge.cases("public")
        failed = 0
        for i, case in enumerate(cases):
            problem, noise = self.judge.judge(self.fn, case)
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
        """Run random cases; print a summary and the first failures."""
        self._random_cases("random", n)

    def hidden(self, n: int | None = None) -> None:
        """Like `random`, from another stream; only graded copies run it."""
        self._random_cases("hidden", n)

    def _random_cases(self, stream: str, n: int | None) -> None:
        if self.unanswered:
            return
        cases = self.judge.cases(stream)
        if n is not None:
            cases = cases[:n]
        problems = []
        for i, case in enumerate(cases):
            problem, noise = self.judge.judge(self.fn, case)
            _print_noise(noise)
            if i == 0 and not self.judge.cases("public") and self._not_answered(problem):
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
        print(f"✗ {self.name} is not answered yet: replace `raise NotImplementedError()` "
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
