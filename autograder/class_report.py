"""What the class got wrong: `./course.sh report A` writes reports/class-A.html and prints a summary.

Scores come from nbgrader's gradebook; the failure causes, times and hand-ins that could not
run come from what the engine recorded beside them (`autograder/outcomes.py`). Per question:
the score distribution as a plot, and the causes the judges gave, grouped (one per student:
the first failed case, public cases first) and counted, each with the students it hit.
"""

from __future__ import annotations

import base64
import html
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import engine, outcomes
from .errors import CourseError
from .notebooks import exercise, nbgrader_cells, read


@dataclass
class QuestionResult:
    name: str                       # the question (its test cell is test_<name>)
    points: float
    scores: dict[str, float] = field(default_factory=dict)           # student -> score
    causes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # key -> [(student, problem)]

    @property
    def lost(self) -> float:
        return sum(self.points - s for s in self.scores.values())

    def ranked_causes(self) -> list[tuple[str, list[tuple[str, str]]]]:
        return sorted(self.causes.items(), key=lambda kv: (-len(kv[1]), kv[0]))


@dataclass
class ClassResult:
    assignment: str
    students: list[str]
    questions: list[QuestionResult]
    seconds: dict[str, float]
    not_graded: dict[str, str]

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    def total(self, student: str) -> float:
        return sum(q.scores.get(student, 0.0) for q in self.questions)


def collect(root: Path, assignment: str) -> ClassResult:
    """Scores from the gradebook and causes from the engine's records, for one assignment."""
    engine.require_course_root(root, f"cannot report on {assignment!r}")
    source = exercise(assignment, root / "source")
    if not source.is_file():
        raise CourseError(f"unknown assignment {assignment!r}: {source} does not exist")
    order = [meta["grade_id"] for _, meta in nbgrader_cells(read(source)) if meta.get("grade")]
    db_url = engine.gradebook_url(root)
    questions = {gid: QuestionResult(gid.removeprefix("test_"), 0.0) for gid in order}
    with engine.reaching_gradebook(db_url):
        students = _read_scores(db_url, assignment, questions)
        subs, causes = outcomes.load(db_url, assignment)
    by_name = {q.name: q for q in questions.values()}
    first: dict[tuple[str, str], str] = {}
    for c in causes:  # recorded in order: public cases first, so the first is the plainest
        first.setdefault((c.student, c.question), c.problem)
    for (student, question), problem in sorted(first.items()):  # the same report whichever result came first
        q = by_name.get(question)
        if q is not None and q.scores.get(student, q.points) < q.points:
            q.causes.setdefault(outcomes.cause_key(problem), []).append((student, problem))
    return ClassResult(assignment, sorted(students), list(questions.values()),
                       {s: v["seconds"] for s, v in subs.items()},
                       {s: v["not_graded"] for s, v in subs.items() if v["not_graded"]})


def _read_scores(db_url: str, assignment: str, questions: dict[str, QuestionResult]) -> list[str]:
    """Fill each question's scores from nbgrader's gradebook; the students who handed in."""
    from nbgrader.api import Gradebook, MissingEntry

    students = []
    with Gradebook(db_url) as gb:
        try:
            submissions = gb.assignment_submissions(assignment)
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook {engine.shown_url(db_url)}: grade it first "
                              f"(./course.sh grade {assignment})") from None
        for sub in submissions:
            students.append(sub.student_id)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    q = questions.setdefault(grade.name, QuestionResult(grade.name.removeprefix("test_"), 0.0))
                    q.points = float(grade.max_score)
                    q.scores[sub.student_id] = float(grade.score or 0.0)
    if not students:
        raise CourseError(f"no graded submissions of {assignment} in {engine.shown_url(db_url)}: "
                          f"run ./course.sh grade {assignment}")
    return students


def summary(result: ClassResult, path: Path | None = None, top: int = 5) -> str:
    """A few lines for the terminal: the class, the hardest questions, the commonest causes."""
    n = len(result.students)
    mean = statistics.fmean(result.total(s) for s in result.students)
    lines = [f"{result.assignment}: {n} submissions, mean {mean:.1f} of {result.points:g} points"
             + (f", {len(result.not_graded)} could not be graded" if result.not_graded else "")]
    hardest = sorted((q for q in result.questions if q.lost), key=lambda q: -q.lost)[:3]
    if hardest:
        lines.append("  most points lost: " + ", ".join(
            f"{q.name} ({q.lost:g} of {q.points * n:g})" for q in hardest))
    common = sorted(((len(hit), q.name, hit[0][1]) for q in result.questions for _, hit in q.causes.items()),
                    key=lambda t: -t[0])[:top]
    if common:
        lines.append("  commonest causes:")
        lines += [f"    {k:>3} of {n}  {name}: {problem[:110]}" for k, name, problem in common]
    if path is not None:
        lines.append(f"  report: {path}")
    return "\n".join(lines)


def _figure(width: float):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, 1.9))
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _png(fig) -> str:
    """The figure as a data: URL (the page is one self-contained file), and the figure closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _distribution(q: QuestionResult, students: list[str]) -> str:
    counts = Counter(q.scores.get(s, 0.0) for s in students)
    levels = sorted(set(counts) | {0.0, q.points})
    fig, ax = _figure(3.2)
    ax.bar([f"{v:g}" for v in levels], [counts.get(v, 0) for v in levels],
           color=["#c0392b" if v == 0 else "#27ae60" if v == q.points else "#e67e22" for v in levels])
    ax.set_xlabel(f"points (of {q.points:g})")
    ax.set_ylabel("students")
    return _png(fig)


def _times(seconds: list[float]) -> str:
    fig, ax = _figure(4.5)
    ax.hist(seconds, bins=min(20, max(5, len(seconds) // 2)), color="#2c7fb8")
    ax.set_xlabel("seconds per submission (grading)")
    ax.set_ylabel("submissions")
    return _png(fig)


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; color: #222; line-height: 1.4 }
h1 { font-size: 1.6em } h2 { margin-top: 2em; border-bottom: 1px solid #ddd } h3 { margin-bottom: .3em }
table { border-collapse: collapse; margin: .5em 0 } td, th { border: 1px solid #ddd; padding: .25em .6em; vertical-align: top }
th { background: #f5f5f5; text-align: left } td.n { text-align: right; white-space: nowrap }
.q { display: flex; gap: 1.2em; align-items: flex-start } .q img { flex: none }
.students { color: #555; font-size: .9em } .example { font-family: ui-monospace, monospace; font-size: .85em;
  overflow-wrap: anywhere } .note { background: #f8f8f2; padding: .6em; border-left: 3px solid #aaa }
"""


def render(result: ClassResult) -> str:
    e = html.escape
    n = len(result.students)
    mean = statistics.fmean(result.total(s) for s in result.students)
    out = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Class report: {e(result.assignment)}</title>"
           f"<style>{STYLE}</style></head><body>",
           f"<h1>Class report: {e(result.assignment)}</h1>",
           f"<p>{n} submissions; mean {mean:.1f} of {result.points:g} points; "
           f"{sum(result.total(s) == result.points for s in result.students)} with full marks.</p>",
           "<p class='note'>Causes are the judges' own sentences for each student's first failed case "
           "(public cases first), grouped when they differ only in values. A cause names the likely "
           "mistake; read a student's feedback before telling them so.</p>",
           "<h2>Where the class lost points</h2><table><tr><th>question</th><th>points lost</th>"
           "<th>full marks</th><th>commonest cause</th></tr>"]
    for q in sorted(result.questions, key=lambda q: (-q.lost, q.name)):
        ranked = q.ranked_causes()
        top = f"{len(ranked[0][1])} of {n}: {e(ranked[0][1][0][1][:160])}" if ranked else ""
        full = sum(q.scores.get(s, 0) == q.points for s in result.students)
        out.append(f"<tr><td><a href='#{e(q.name)}'>{e(q.name)}</a></td><td class='n'>{q.lost:g} of "
                   f"{q.points * n:g}</td><td class='n'>{full} of {n}</td><td class='example'>{top}</td></tr>")
    out.append("</table><h2>Questions</h2>")
    for q in result.questions:
        out.append(f"<h3 id='{e(q.name)}'>{e(q.name)} ({q.points:g} points)</h3><div class='q'>"
                   f"<img alt='score distribution of {e(q.name)}' src='{_distribution(q, result.students)}'><div>")
        ranked = q.ranked_causes()
        if not ranked:
            out.append("<p>No recorded cause: every student who lost points here lost them without a "
                       "failed case (see their feedback).</p>" if q.lost else "<p>Everyone earned full marks.</p>")
        else:
            out.append("<table><tr><th>students</th><th>cause (first example)</th></tr>")
            for key, hit in ranked:
                who = ", ".join(sorted(s for s, _ in hit))
                out.append(f"<tr><td class='n'>{len(hit)} of {n}</td><td><div class='example'>{e(hit[0][1])}</div>"
                           f"<div class='students'>{e(who)}</div></td></tr>")
            out.append("</table>")
        out.append("</div></div>")
    seconds = [result.seconds[s] for s in result.students if s in result.seconds]
    out.append("<h2>Time per submission</h2>")
    if seconds:
        out.append(f"<p>median {statistics.median(seconds):.1f} s, slowest {max(seconds):.1f} s "
                   f"({e(max(result.seconds, key=result.seconds.get))}).</p><img alt='grading time per submission' "
                   f"src='{_times(seconds)}'>")
    out.append("<h2>Hand-ins that could not be graded</h2>")
    if result.not_graded:
        out.append("<table><tr><th>student</th><th>why (scored zero)</th></tr>" + "".join(
            f"<tr><td>{e(s)}</td><td class='example'>{e(r)}</td></tr>" for s, r in sorted(result.not_graded.items()))
            + "</table>")
    else:
        out.append("<p>None: every hand-in ran.</p>")
    out.append("</body></html>")
    return "\n".join(out)


def write(root: Path, assignment: str) -> tuple[Path, ClassResult]:
    """Write reports/class-<assignment>.html under `root`; return its path and the data."""
    result = collect(root, assignment)
    path = root / "reports" / f"class-{assignment}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(result), encoding="utf-8")
    return path, result


def cause_counts(result: ClassResult) -> dict[str, dict[str, set[str]]]:
    """question -> cause key -> students: what tests compare with the sample class's declarations."""
    return {q.name: {k: {s for s, _ in hit} for k, hit in q.causes.items()} for q in result.questions}
