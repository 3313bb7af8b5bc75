"""What grading found besides the scores, stored as data next to nbgrader's grades.

nbgrader's gradebook keeps a score per graded cell. The engine also knows *why* a case failed
(the judge's sentence: "the gradient is None: x is an int32 tensor ..."), how long each
submission took and why a hand-in could not run at all. `store` writes these into two tables
of the same database as the gradebook (any SQLAlchemy URL nbgrader accepts), replacing what an
earlier grading of the same submission wrote; `load` reads them back for the class report
(`autograder/class_report.py`). Nothing here is scraped from output text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, delete, select

META = MetaData()
SUBMISSIONS = Table(
    "autograder_submission", META,
    Column("assignment", String(128), primary_key=True),
    Column("student", String(128), primary_key=True),
    Column("notebook", String(128), primary_key=True),
    Column("seconds", Float, nullable=False),
    Column("not_graded", Text, nullable=False),   # why it could not run ("" when it ran)
)
CAUSES = Table(
    "autograder_cause", META,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assignment", String(128), nullable=False, index=True),
    Column("student", String(128), nullable=False),
    Column("notebook", String(128), nullable=False),
    Column("question", String(128), nullable=False),
    Column("stream", String(16), nullable=False),   # public, random, hidden, setup
    Column("case", Text, nullable=False),
    Column("problem", Text, nullable=False),        # the judge's sentence, as the student read it
)
_ENGINES: dict = {}
MAX_TEXT = 2000  # a judge's sentence quotes the student's values: bounded, whatever they returned


def _engine(db_url: str):
    if db_url not in _ENGINES:
        engine = create_engine(db_url)
        META.create_all(engine)  # cached only once the tables exist (a server that was down is asked again)
        _ENGINES[db_url] = engine
    return _ENGINES[db_url]


def _text(value: object) -> str:
    """What a text column gets: bounded, and with NUL written as the four characters \\x00, which
    PostgreSQL's text columns refuse (a student's exception message or string can hold one)."""
    return str(value).replace("\x00", "\\x00")[:MAX_TEXT]


def store(db_url: str, assignment: str, student: str, notebook: str, seconds: float,
          not_graded: str, causes: list[dict]) -> None:
    """Record one graded submission (replacing an earlier grading of it)."""
    key = {"assignment": assignment, "student": student, "notebook": notebook}
    with _engine(db_url).begin() as db:
        for table in (CAUSES, SUBMISSIONS):
            db.execute(delete(table).where(*(table.c[k] == v for k, v in key.items())))
        db.execute(SUBMISSIONS.insert(), {**key, "seconds": float(seconds), "not_graded": _text(not_graded)})
        if causes:
            db.execute(CAUSES.insert(), [{**key, **{k: _text(c[k]) for k in ("question", "stream", "case", "problem")}}
                                         for c in causes])


@dataclass(frozen=True)
class Cause:
    student: str
    question: str
    stream: str
    case: str
    problem: str


def load(db_url: str, assignment: str) -> tuple[dict[str, dict], list[Cause]]:
    """({student: {"seconds", "not_graded"}}, causes in the order they were recorded)."""
    with _engine(db_url).connect() as db:
        subs = {r.student: {"seconds": r.seconds, "not_graded": r.not_graded}
                for r in db.execute(select(SUBMISSIONS).where(SUBMISSIONS.c.assignment == assignment))}
        causes = [Cause(r.student, r.question, r.stream, r.case, r.problem)
                  for r in db.execute(select(CAUSES).where(CAUSES.c.assignment == assignment)
                                      .order_by(CAUSES.c.id))]
    return subs, causes


# Values inside a judge's sentence differ from student to student; the cause does not.
_LIST = re.compile(r"\[[^\[\]]*\]")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w])")
_QUOTED = re.compile(r"'[^']*'")


def cause_key(problem: str) -> str:
    """The judge's sentence with its values blanked: students who made one mistake share it.

    "returned [1.0, 2.0], expected [2.0, 4.0]: the factor 2 ..." and the same sentence at other
    values give one key; "dtype int32" keeps its digits (they are part of a name).
    """
    text = problem
    for _ in range(6):  # nested lists, innermost first: [[1.0], [2.0]] -> […, …] -> …
        text = _LIST.sub("…", text)
    text = _QUOTED.sub("'…'", text)
    text = _NUMBER.sub("#", text)
    return re.sub(r"\s+", " ", text).strip()
