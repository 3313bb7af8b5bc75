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

import contextlib
import hashlib
import io
import os
import re
import secrets
import warnings
from typing import Any, Callable

import numpy as np

from . import wire
from .question import Case, Question, get
from .compare import error_cause
from .values import describe_error, is_error

MAX_SHOWN_HIDDEN_FAILURES = 3


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


def run_case(question: Question, fn: Callable, case: Case) -> tuple[Any, str]:
    """Call the student's function on one case; (plain description, text it wrote to stderr)."""
    from .sandbox import Proxy

    if isinstance(fn, Proxy):  # grading engine: the call happens in the student's process
        return fn.run_case(question, case)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as caught, \
            _quiet_tensorflow_logger():
        warnings.simplefilter("always")
        try:  # the arguments and the answer as they would cross the grading engine's pipe
            got = wire.roundtrip(question.run(fn, *wire.roundtrip(list(case.args))))
        except Exception as e:  # the student's error is the answer being judged
            got = describe_error(e)
    noise = err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
    return got, noise


def judge_case(question: Question, fn: Callable, case: Case) -> tuple[str | None, str]:
    """(problem or None, stderr noise) for one case."""
    got, noise = run_case(question, fn, case)
    try:
        want = question.expected(*case.args)
        problem = question.judge(got, want, *case.args)
    except Exception as e:  # a judge that cannot read the answer: the answer is wrong, say how
        problem = error_cause(got) if is_error(got) else \
            f"returned something the check cannot read ({type(e).__name__}: {e})"
    return problem, noise


class checking:
    """Context manager used by test cells; see the module docstring."""

    def __init__(self, name: str, fn: Callable) -> None:
        self.question = get(name)
        self.fn = fn
        self.failures: list[str] = []

    def __enter__(self) -> "checking":
        if not callable(self.fn):
            raise CheckFailed(f"{self.question.name} is not a function here; run the cell that "
                              f"defines it, and keep its name `{self.question.name}`")
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            return None
        if self.failures:
            raise CheckFailed(f"{self.question.name}: {'; '.join(self.failures)}. "
                              "Fix the cases marked ✗ above and run this cell again.")
        return None

    def public(self) -> None:
        """Run the public cases, printing one line per case."""
        cases = self.question.public()
        failed = 0
        for case in cases:
            problem, noise = judge_case(self.question, self.fn, case)
            _print_noise(noise)
            if problem:
                failed += 1
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
        seed = case_seed(self.question.name, stream)
        cases = self.question.hidden(np.random.default_rng(seed))
        if n is not None:
            cases = cases[:n]
        problems = []
        for case in cases:
            problem, noise = judge_case(self.question, self.fn, case)
            _print_noise(noise)
            if problem:
                problems.append(f"✗ {case.label}: {problem}")
        if problems:
            print(f"{len(problems)} of {len(cases)} {stream} cases failed, for example:")
            for line in problems[:MAX_SHOWN_HIDDEN_FAILURES]:
                print("  " + line)
            self.failures.append(f"{len(problems)} of {len(cases)} {stream} cases failed")
        else:
            print(f"✓ {len(cases)} {stream} cases")


@contextlib.contextmanager
def _quiet_tensorflow_logger():
    """TensorFlow's logger writes warnings to the real stderr; silence it while a case runs."""
    import logging

    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def _print_noise(noise: str) -> None:
    if noise.strip():
        text = _ADDRESS.sub("", noise.strip())
        print("  (your code wrote to stderr or warned; shown here: " + text.splitlines()[0][:150] + ")")
