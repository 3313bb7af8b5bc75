"""Shared by the tests: a unit's solutions as callables, and running a question's checks."""

from __future__ import annotations

import contextlib
import io
import os

from autograder import notebooks
from autograder.checks import CheckFailed, checking
from autograder.sample_class import Unit, solution_namespace


solutions = solution_namespace  # a unit's solutions as callables, by question name


@contextlib.contextmanager
def seeded(seed: int):
    """Random cases drawn as $AUTOGRADER_SEED=seed draws them, inside the block."""
    old = os.environ.get("AUTOGRADER_SEED")
    os.environ["AUTOGRADER_SEED"] = str(seed)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("AUTOGRADER_SEED", None)
        else:
            os.environ["AUTOGRADER_SEED"] = old


def passes(name: str, fn, seed: int, public: bool = True) -> tuple[bool, str]:
    """(passed, printed report) of every public, random and hidden case of a question at one seed.

    public=False leaves out the public cases, which do not depend on the seed: a sweep over seeds
    runs them at its first seed only.
    """
    out = io.StringIO()
    with seeded(seed):
        try:
            with contextlib.redirect_stdout(out):
                with checking(name, fn) as check:
                    if public:
                        check.public()
                    check.random()
                    check.hidden()
            return True, out.getvalue()
        except CheckFailed as e:
            return False, out.getvalue() + str(e)


def all_units() -> list[Unit]:
    return [Unit.load(u) for u in notebooks.units()]
