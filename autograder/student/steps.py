"""Each question's step: build a case's inputs, call the student's function, describe the result.

A unit's module `autograder/student/uNN_name.py` registers one step per question that needs
more than the default (call with the case's arguments, describe what came back):

    @step("update_in_place")
    def update_in_place(fn, start, delta):
        var = tf.Variable(start, dtype=tf.float32)
        return {"same_object": fn(var, delta) is var, "var": describe(var)}

Steps run next to the student's code, so whatever they return is only the student's answer
described as plain data; every judgement is made on the grader side.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import pkgutil
import warnings
from typing import Any, Callable, Iterator

from . import wire
from .values import Plain, describe, describe_error

STEPS: dict[str, Callable[..., Plain]] = {}
_LOADED = False


def step(name: str) -> Callable[[Callable[..., Plain]], Callable[..., Plain]]:
    """Register the step of question `name`."""
    def register(fn: Callable[..., Plain]) -> Callable[..., Plain]:
        if name in STEPS:
            raise ValueError(f"the step of {name!r} is declared twice")
        STEPS[name] = fn
        return fn
    return register


def call(fn: Callable, *args: Any) -> Plain:
    """The default step: call the student's function on the case's arguments."""
    return describe(fn(*args))


def answer(fn: Callable, *args: Any) -> Plain:
    """The student's call described; an exception it raises is the answer (for steps that add evidence)."""
    try:
        return describe(fn(*args))
    except Exception as e:  # noqa: BLE001 - the student's error is what gets judged
        if type(e).__name__ != "NotAllowedHere" and "NotAllowedHere" in str(e):  # re-raised by tf.function
            return {"kind": "error", "type": "NotAllowedHere", "message": str(e).split("NotAllowedHere", 1)[1][:200].lstrip(": ")}
        return describe_error(e)


def load() -> None:
    """Import every unit's steps (modules uNN_*.py of this package)."""
    from . import __path__ as here

    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for name in sorted(m.name for m in pkgutil.iter_modules(here) if m.name[:1] == "u" and m.name[1:3].isdigit()):
        importlib.import_module(f"{__package__}.{name}")


def get(name: str) -> Callable[..., Plain]:
    """The step of question `name` (the default step if its unit declares none)."""
    load()  # every unit's steps, even if one unit's module was imported before (by its grader side)
    return STEPS.get(name, call)


def run(step_fn: Callable[..., Plain], fn: Callable, args: list) -> tuple[Plain, str]:
    """Run one step on plain arguments: (its answer as it would cross a pipe, text written to stderr).

    An exception the student's code raises is the answer being judged; stderr and warnings are
    kept, so that a check can show them on stdout (nbgrader zeroes a test cell with stderr).
    """
    err = io.StringIO()
    with contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as caught, \
            _quiet_tensorflow_logger():
        warnings.simplefilter("always")
        try:
            got = wire.roundtrip(step_fn(fn, *wire.roundtrip(list(args))))
        except Exception as e:
            got = describe_error(e)
    noise = err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
    return got, noise


@contextlib.contextmanager
def _quiet_tensorflow_logger() -> Iterator[None]:
    """TensorFlow's logger writes warnings to the real stderr; silence it while a case runs."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
