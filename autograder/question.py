"""How a graded question is declared.

A question is a class that says, in one place: the student's function name and its unit;
the public cases (values the student has seen in the lecture); how to draw hidden cases
from a seeded generator; the reference answer computed independently in float64 NumPy
(`expected`); and how to judge a description of the student's answer against it, naming
the likely cause of a mismatch (`judge`). Its points are declared once, on its test cell in
the source notebook (nbgrader's gradebook keeps them from there).

The step that calls student code is not here: it lives on the student side
(`autograder/student/uNN_name.py`, registered by question name), the only code a student's
process holds while it is graded. A question decides what that step receives
(`student_args`: the case's arguments, with black boxes as `autograder.student.oracles.Oracle`s);
`expected` and `judge` stay in the trusted process and see only the step's plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .student.values import Plain

REGISTRY: dict[str, "Question"] = {}


@dataclass(frozen=True)
class Case:
    """One call of the student's function: plain-data arguments and how the call reads."""

    args: tuple
    label: str = ""
    meta: dict = field(default_factory=dict, compare=False)


class Question:
    """Base class of every graded question; subclasses are registered by `name`."""

    name: ClassVar[str]
    unit: ClassVar[str]
    summary: ClassVar[str] = ""
    n_hidden: ClassVar[int] = 8

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            if cls.name in REGISTRY:
                raise ValueError(f"question {cls.name!r} is declared twice")
            REGISTRY[cls.name] = cls()

    # --- cases -----------------------------------------------------------------------
    def case(self, *args: Any, label: str = "", **meta: Any) -> Case:
        """A case whose label reads like the call a student would type."""
        return Case(args, label or f"{self.name}({', '.join(_short(a) for a in args)})", meta)

    def public(self) -> list[Case]:
        """Cases with the values the student has seen (seeds, lecture)."""
        return []

    def hidden(self, rng: np.random.Generator) -> list[Case]:
        """Random cases; `rng` is seeded per student and question when grading."""
        return []

    # --- what the student's side receives, and how its answer is judged ---------------
    def student_args(self, *args: Any) -> tuple:
        """The arguments of the student-side step for a case (black boxes as Oracles)."""
        return args

    def expected(self, *args: Any) -> Plain:
        """The reference answer, computed independently of any solution."""
        raise NotImplementedError

    def judge(self, got: Plain, want: Plain, *args: Any) -> str | None:
        """None if `got` is right; otherwise one sentence: what is wrong and its likely cause."""
        raise NotImplementedError


def load() -> None:
    """Import every unit's declarations (modules autograder/questions/uNN_*.py), once."""
    import importlib
    import pkgutil

    from . import questions

    for module in sorted(m.name for m in pkgutil.iter_modules(questions.__path__) if m.name[:1] == "u"):
        importlib.import_module(f"{questions.__name__}.{module}")


def get(name: str) -> Question:
    """The declared question called `name`."""
    load()
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no question named {name!r}; declared: {', '.join(sorted(REGISTRY))}") from None


def for_unit(unit: str) -> list[Question]:
    """The questions of a unit, in declaration order."""
    load()
    return [q for q in REGISTRY.values() if q.unit == unit]


def _short(a: Any) -> str:
    if isinstance(a, np.ndarray):
        with np.printoptions(precision=3, threshold=6, edgeitems=2):
            body = np.array2string(a, separator=", ").replace("\n", "")
        return f"np.array({body}, {a.dtype.name})" if a.dtype.name not in ("float64",) else f"np.array({body})"
    if callable(a):
        return getattr(a, "__name__", "f")
    text = repr(a)
    return text if len(text) <= 40 else text[:37] + "..."
