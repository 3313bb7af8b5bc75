"""Similarity report: which students' answers share code that nobody handed them.

For each student the answer cells of `submitted/<student>/<A>/*.ipynb` (code cells whose nbgrader
metadata says solution=true) are put together in notebook order. copydetect (the winnowing
algorithm of MOSS) tokenises them with pygments, replacing every name with V, every function name
with F and every string with S and dropping comments and spaces, so renamed variables and changed
comments do not hide a copy, and fingerprints them as sets of k-gram hashes, so reordered functions
do not either. Fingerprints of the release's template cells (the def line, the docstring,
`# YOUR CODE HERE`) are boilerplate and removed: two untouched notebooks share nothing. So are the
reference solution's (source/<A>/<A>.ipynb), by default: the lecture leads honest students to
the reference's lines, and two students who both wrote them have shown nothing. Each student's
share of the reference is listed on its own (a leaked solution shows there).

Pairs are ranked by how much code they share beyond that (the tokens of the larger share, as
MOSS ranks by lines matched), with both percentages shown, and the report puts the matching
passages side by side. Similarity is evidence to read, never a verdict.
"""

from __future__ import annotations

import html
import io
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .errors import CourseError
from .notebooks import nbgrader_cells

# copydetect's defaults: a match shorter than 25 characters of filtered code (about a line, once
# every name is one letter) is noise; window 1 keeps every k-gram, so the report is the same on
# every run (Python's string hash is seeded per process, and a wider window's choice of
# fingerprints would move with it).
NOISE = 25
WINDOW = 1

VERDICT = ("Similarity is evidence to read, not a verdict. Honest students who solve the same small "
           "function often write nearly the same lines; read the matching passages side by side, "
           "and talk with the students, before drawing any conclusion.")


@dataclass
class Answers:
    """One student's answer cells of one assignment."""

    student: str
    path: Path
    cells: list[tuple[str, str]]  # (grade_id, source), in notebook order
    text: str = ""
    fingerprint: object = None
    reference_share: float = 0.0  # share of the student's answer tokens found in the reference


@dataclass
class Pair:
    a: Answers
    b: Answers
    overlap: int          # tokens of filtered code that match, in the larger side
    share_a: float        # share of a's counted answer tokens that match b
    share_b: float
    slices_a: object = None
    slices_b: object = None

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass
class Report:
    assignment: str
    students: list[Answers]
    pairs: list[Pair]
    problems: list[str] = field(default_factory=list)  # one sentence per unreadable hand-in
    reference_removed: bool = True
    html_path: Path | None = None

    def rank(self, first: str, second: str) -> int | None:
        """The 1-based rank of the pair of these two students, None if either was not compared."""
        return next((k for k, p in enumerate(self.pairs, 1) if {p.a.student, p.b.student} == {first, second}),
                    None)


def answer_cells(nb) -> list[tuple[str, str]]:
    return [(meta.get("grade_id", "?"), cell.source) for cell, meta in nbgrader_cells(nb)
            if meta.get("solution") and cell.cell_type == "code"]


def document(cells: list[tuple[str, str]]) -> str:
    """The answers as one Python text; the cell headers are comments, which tokenising drops."""
    return "".join(f"# ── {grade_id}\n{source.rstrip()}\n\n" for grade_id, source in cells)


def _fingerprint(text: str, name: str, boilerplate=None):
    from copydetect import CodeFingerprint  # imports matplotlib: only when a report is made

    return CodeFingerprint(name, NOISE, WINDOW, boilerplate, filter=True, language="python",
                           fp=io.StringIO(text))


def _cells_fingerprint(cells: list[tuple[str, str]], name: str, boilerplate=None):
    """The fingerprint of document(cells) without the k-grams that run from one cell into the
    next: those join two cells' ends and beginnings (a blank cell's template and the next cell's
    def line, say) and are shared by everyone who left the same cells alike."""
    from copydetect.utils import filter_code, get_token_coverage

    fp = _fingerprint(document(cells), name, boilerplate)
    ends = [len(filter_code(document(cells[:i]), name, "python")[0]) for i in range(1, len(cells))]
    k = fp.k
    for h in list(fp.hash_idx):
        kept = [i for i in fp.hash_idx[h] if not any(i < end < i + k for end in ends)]
        if kept:
            fp.hash_idx[h] = kept
        else:
            del fp.hash_idx[h]
            fp.hashes.discard(h)
    fp.token_coverage = get_token_coverage(fp.hash_idx, k, len(fp.filtered_code))
    return fp


def _boilerplate(texts: list[str]):
    import numpy as np

    hashes: set = set()
    for k, text in enumerate(texts):
        hashes |= _fingerprint(text, f"boilerplate-{k}.py").hashes
    return np.array(sorted(hashes))


def read_notebook(path: Path):
    """The notebook at `path`, or CourseError naming it and what to do."""
    try:
        with open(path, encoding="utf-8") as f:
            return nbformat.read(f, as_version=4)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError,
            nbformat.validator.ValidationError, KeyError, TypeError, AttributeError) as e:
        raise CourseError(f"{path} is not a readable notebook ({type(e).__name__}): ask the student "
                          "to hand it in again; it was left out of the comparison") from None


def collect(root: Path, assignment: str) -> tuple[list[Answers], list[str]]:
    """Every student's answer cells of `assignment`, and one sentence per hand-in left out."""
    submitted = root / "submitted"
    folders = sorted(p for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    if not folders:
        raise CourseError(f"no submissions of {assignment} in {submitted}/<student>/{assignment}/: "
                          f"collect them first (nbgrader collect {assignment}), or check the "
                          "assignment's name and --root")
    students, problems = [], []
    for folder in folders:
        student = folder.parent.name
        notebooks_ = sorted(folder.glob("*.ipynb"))
        if not notebooks_:
            problems.append(f"{folder} holds no notebook: ask {student} to hand in {assignment}.ipynb; "
                            "left out of the comparison")
            continue
        cells: list[tuple[str, str]] = []
        for path in notebooks_:
            try:
                cells += answer_cells(read_notebook(path))
            except CourseError as e:
                problems.append(str(e))
        if cells:
            students.append(Answers(student, notebooks_[0], cells, document(cells)))
        elif not any(str(p) in msg for p in notebooks_ for msg in problems):
            problems.append(f"{notebooks_[0]} has no answer cells (nbgrader solution cells): was it "
                            f"made from release/{assignment}? left out of the comparison")
    return students, problems


def template_and_reference(root: Path, assignment: str) -> tuple[list[str], list[str]]:
    """The release's answer cells (the template) and the source's (the reference solution)."""
    release = root / "release" / assignment / f"{assignment}.ipynb"
    source = root / "source" / assignment / f"{assignment}.ipynb"
    if not release.exists():
        raise CourseError(f"{release} does not exist: run ./course.sh release {assignment} (its template "
                          "code is what every student starts from, and is not counted as shared)")
    template = [text for _, text in answer_cells(read_notebook(release))]
    reference = [text for _, text in answer_cells(read_notebook(source))] if source.exists() else []
    return template, reference


def compare(root: Path, assignment: str, remove_reference: bool = True) -> Report:
    from copydetect import compare_files

    root = Path(root)
    students, problems = collect(root, assignment)
    template, reference = template_and_reference(root, assignment)
    base = _boilerplate(template + (reference if remove_reference else []))
    template_only = _boilerplate(template)
    ref_print = _cells_fingerprint([("reference", t) for t in reference], "reference.py",
                             template_only) if reference else None
    for s in students:
        s.fingerprint = _cells_fingerprint(s.cells, f"{s.student}.py", base)
        if ref_print is not None:
            own = _cells_fingerprint(s.cells, f"{s.student}.py", template_only)
            if own.token_coverage:
                _, (s.reference_share, _), _ = compare_files(own, ref_print)
    pairs = []
    for a, b in itertools.combinations(students, 2):
        overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(a.fingerprint, b.fingerprint)
        if overlap:  # copydetect counts a's side; a's and b's can differ where a passage repeats
            overlap = max(overlap, compare_files(b.fingerprint, a.fingerprint)[0])
        pairs.append(Pair(a, b, int(overlap), float(share_a), float(share_b), slices_a, slices_b))
    pairs.sort(key=lambda p: (-p.overlap, -p.score, p.a.student, p.b.student))
    return Report(assignment, students, pairs, problems, bool(reference) and remove_reference)


# --- the report ---------------------------------------------------------------------------------

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 110em; }
.verdict { border-left: 6px solid #c60; background: #fff4e5; padding: .8em 1em; font-size: 1.05em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pair { margin: 2em 0; border-top: 2px solid #888; padding-top: .5em; }
.side { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1em; }
pre { background: #f7f7f7; padding: .6em; overflow-x: auto; font-size: 12px; line-height: 1.35; }
mark { background: #ffd24d; }
.low { color: #777; }
.problems { color: #a00; }
"""


def _highlight(text: str, slices) -> str:
    from copydetect.utils import highlight_overlap

    if slices is None or not len(slices) or not len(slices[0]):
        return html.escape(text)
    marked, _ = highlight_overlap(text, slices, "<mark>", "</mark>", escape_html=True)
    return marked


def render(report: Report, show: int = 10, root: Path | None = None) -> str:
    """The report as one self-contained HTML page."""
    a = report.assignment
    esc = html.escape
    reference = ("the release's template code and the reference solution's lines are not counted "
                 "(both are code every student is led to)" if report.reference_removed else
                 "the release's template code is not counted")
    out = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Similarity: {esc(a)}</title>",
           f"<style>{CSS}</style></head><body>",
           f"<h1>Similarity of the answers to {esc(a)}</h1>",
           f"<p class='verdict'><strong>{esc(VERDICT)}</strong></p>",
           f"<p>{len(report.students)} students' answer cells compared, {len(report.pairs)} pairs. "
           f"Only answer cells count; {reference}. Names, comments, spacing and the order of "
           "functions make no difference. <em>Shared</em> is the length of matching code (after "
           "every name is replaced by one letter); the percentages say how much of each student's "
           "counted answer matches the other's. Pairs are ranked by shared code.</p>"]
    if report.problems:
        out.append("<p class='problems'>Left out of the comparison:</p><ul class='problems'>"
                   + "".join(f"<li>{esc(p)}</li>" for p in report.problems) + "</ul>")
    out.append("<h2>Pairs, most shared code first</h2><table><tr><th>#</th><th>student</th>"
               "<th>student</th><th>shared</th><th>of the first</th><th>of the second</th></tr>")
    for k, p in enumerate(report.pairs[:max(show * 3, 30)], 1):
        cls = "" if p.overlap else " class='low'"
        link = f"<a href='#pair-{k}'>{k}</a>" if k <= show and p.overlap else str(k)
        out.append(f"<tr{cls}><td>{link}</td><td>{esc(p.a.student)}</td><td>{esc(p.b.student)}</td>"
                   f"<td class='num'>{p.overlap}</td><td class='num'>{p.share_a:.0%}</td>"
                   f"<td class='num'>{p.share_b:.0%}</td></tr>")
    out.append("</table>")
    for k, p in enumerate(report.pairs[:show], 1):
        if not p.overlap:
            break
        out.append(f"<div class='pair' id='pair-{k}'><h3>{k}. {esc(p.a.student)} and "
                   f"{esc(p.b.student)}: {p.overlap} shared, {p.share_a:.0%} and {p.share_b:.0%}</h3>"
                   "<div class='side'>")
        for side, slices in ((p.a, p.slices_a), (p.b, p.slices_b)):
            where = side.path.relative_to(root) if root and side.path.is_relative_to(root) else side.path
            out.append(f"<div><strong>{esc(side.student)}</strong> <small>{esc(str(where))}</small>"
                       f"<pre>{_highlight(side.text, slices)}</pre></div>")
        out.append("</div></div>")
    if any(s.reference_share for s in report.students):
        out.append("<h2>Share of each student's answers found in the reference solution</h2>"
                   "<p>Not counted above. A high share is usual for short answers the lecture "
                   "shows; a student near 100% on long answers may have seen the solution.</p>"
                   "<table><tr><th>student</th><th>in the reference</th></tr>")
        for s in sorted(report.students, key=lambda s: (-s.reference_share, s.student)):
            out.append(f"<tr><td>{esc(s.student)}</td><td class='num'>{s.reference_share:.0%}</td></tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def summary(report: Report, top: int = 5) -> str:
    lines = [f"similarity of {report.assignment}: {len(report.students)} students, "
             f"{len(report.pairs)} pairs; most shared code first:"]
    for p in report.pairs[:top]:
        lines.append(f"  {p.a.student} ~ {p.b.student}: {p.overlap} shared, "
                     f"{p.share_a:.0%} / {p.share_b:.0%}")
    lines.append(VERDICT)
    return "\n".join(lines)


def write(root: Path, assignment: str, remove_reference: bool = True, out: Path | None = None) -> Report:
    """Compare, write reports/similarity-<assignment>.html under root, return the report."""
    report = compare(root, assignment, remove_reference)
    path = out or Path(root) / "reports" / f"similarity-{assignment}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, root=Path(root)), encoding="utf-8")
    report.html_path = path
    return report
