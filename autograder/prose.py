"""Every number a notebook's prose states must be one the notebook shows.

`unshown(nb)` lists the numbers written in a notebook's markdown that appear in none of its
outputs, so prose cannot drift from what the cells compute (a timing, a count, a gradient).

**What counts as shown.** Any number in a code cell's stored outputs (streams, `text/plain`,
`text/markdown`, `text/html`, an error's message). A prose number matches an output number
when the output, rounded to the last digit the prose writes, gives it: "0.12" matches 0.1234
and 0.115, "2.3e-5" matches 2.31e-05, "11.5" does not match 43.7, "34" matches 34.2. Signs
are ignored ("a difference of 3.5e-4" matches -0.00035), thousands separators are read
("10,000" is 10000), and "1e-3" is 0.001.

**What is not a number of the prose** (the only exceptions):

1. anything inside `$...$` or `$$...$$` (formulas), inline code or a code block, a link's
   address, and an HTML comment;
2. digits inside a word or a name (`float32`, `x2`, `CS231n`, `3x3`, `01_tensors`, `2D`, `Q4`);
3. a heading's or a numbered list item's own number ("# 07 — Title", "## 3. Title", "1. step");
4. a reference: the number(s) right after *seed, unit, lecture, section, exercise, question,
   cell, step, chapter, part, issue, post, version, TensorFlow, Keras, Python or NumPy* ("sections
   7–10", "seed 002", "TensorFlow 2.21"), and a year (1900 to 2099);
5. the numbers listed in a marker in the same cell, for values the notebook cannot print
   (given data, a labelled illustration, what a figure shows): `<!-- numbers: 002 40 46 -->`.
   A marker's number must occur in the cell's prose; a stale marker is reported too.

**Points in an exercise.** In a notebook with graded cells (an nbgrader exercise), "N points" is
checked against the cells' metadata instead: N must be one test cell's points or the total
("Five questions, 11 points", "## 3. Hessian-vector products (3 points)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from nbformat import NotebookNode

MARKER = re.compile(r"<!--\s*numbers:([^>]*?)-->", re.S)
_SPANS = [
    re.compile(r"```.*?```", re.S),            # code blocks
    re.compile(r"<!--.*?-->", re.S),           # HTML comments, markers included
    re.compile(r"\$\$.*?\$\$", re.S),          # display formulas
    re.compile(r"(?<!\\)\$.+?(?<!\\)\$", re.S),  # inline formulas
    re.compile(r"`[^`]*`"),                    # inline code
    re.compile(r"\]\([^)]*\)"),                # link addresses
    re.compile(r"https?://\S+"),               # bare addresses
]
_ORDINAL = re.compile(r"^\s*#+\s*\d+[.)]?(?=\s)|^\s*\d+[.)](?=\s)", re.M)
_REFERENCE_WORDS = (r"seeds?|units?|lectures?|sections?|exercises?|questions?|cells?|steps?|chapters?|"
                    r"parts?|issues?|posts?|versions?|TensorFlow|Keras|Python|NumPy|nbgrader|nbval|JupyterLab")
_NUM = r"\d[\d,]*(?:\.\d+)?"
_REFERENCE = re.compile(rf"\b(?:{_REFERENCE_WORDS})\s+{_NUM}(?:\s*(?:,|–|-|and|or|to)\s*{_NUM})*", re.I)
# A number standing alone: not glued to a letter, digit, underscore or another dot-number.
NUMBER = re.compile(r"(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+−]?\d+)?(?![\w]|\.\d)")
_POINTS = re.compile(r"(?<![\w.])(\d+)(?=\s+points?\b)")
_OUTPUT_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Unshown:
    cell: int          # index of the markdown cell in nb.cells
    number: str        # as written in the prose
    context: str       # the line it stands on

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.number!r} in {self.context.strip()!r}"


def _value(text: str) -> Decimal | None:
    try:
        return abs(Decimal(text.replace(",", "").replace("−", "-")))
    except InvalidOperation:
        return None


def _half_unit(text: str) -> Decimal:
    """Half a unit in the last digit the prose writes: the tolerance of 'rounded to its digits'."""
    mantissa, _, exponent = text.replace(",", "").replace("−", "-").lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return Decimal(5).scaleb(-decimals - 1 + int(exponent or 0))


def _masked(markdown: str) -> str:
    """The prose of a markdown cell with everything that is not prose blanked out (same length)."""
    text = markdown
    for span in _SPANS:
        text = span.sub(lambda m: " " * len(m.group()), text)
    text = _ORDINAL.sub(lambda m: " " * len(m.group()), text)
    return _REFERENCE.sub(lambda m: " " * len(m.group()), text)


def points_claims(markdown: str) -> list[tuple[str, str]]:
    """(N, its line) for every "N points" of the prose in one markdown cell."""
    return [(m.group(), line) for line in _masked(markdown).splitlines() for m in _POINTS.finditer(line)]


def declared_points(nb: NotebookNode) -> set[int]:
    """The points of each graded cell of an exercise and their total (empty for a lecture)."""
    points = [int(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells
              if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return set(points) | ({sum(points)} if points else set())


def prose_numbers(markdown: str, points: bool = False) -> list[tuple[str, str]]:
    """(number as written, its line) for every number of the prose in one markdown cell.

    `points`: leave out "N points" (an exercise's points are checked against its metadata).
    """
    allowed = {m for marker in MARKER.findall(markdown) for m in marker.split()}
    text = _masked(markdown)
    if points:
        text = _POINTS.sub(lambda m: " " * len(m.group()), text)
    found = []
    for line in text.splitlines():
        for m in NUMBER.finditer(line):
            number = m.group()
            if re.fullmatch(r"(19|20)\d\d", number) or number.lstrip("-−") in allowed:
                continue
            found.append((number, line))
    return found


def stale_markers(markdown: str) -> list[str]:
    """Numbers a marker excuses that the cell's prose no longer writes."""
    listed = [m for marker in MARKER.findall(markdown) for m in marker.split()]
    prose = MARKER.sub(" ", markdown)
    return [n for n in listed if not re.search(rf"(?<![\w.]){re.escape(n)}(?![\w]|\.\d)", prose)]


def output_numbers(nb: NotebookNode) -> list[Decimal]:
    """Every number in the stored outputs of a notebook's code cells (absolute values)."""
    numbers = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            texts = [out.get("text", ""), out.get("evalue", "")]
            data = out.get("data", {})
            texts += [data.get(kind, "") for kind in ("text/plain", "text/markdown", "text/html")]
            for text in texts:
                text = "".join(text) if isinstance(text, list) else text
                for m in _OUTPUT_NUMBER.finditer(text):
                    value = _value(m.group())
                    if value is not None:
                        numbers.add(value)
    return sorted(numbers)


def shown(number: str, outputs: list[Decimal]) -> bool:
    """Whether some output number, rounded to the prose's last written digit, is `number`."""
    value, tolerance = _value(number), _half_unit(number)
    return value is not None and any(abs(o - value) <= tolerance for o in outputs)


def unshown(nb: NotebookNode) -> list[Unshown]:
    """The numbers of a notebook's prose that none of its outputs shows, and stale markers."""
    outputs, declared = output_numbers(nb), declared_points(nb)
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for number, line in prose_numbers(cell.source, points=bool(declared)):
            if not shown(number, outputs):
                problems.append(Unshown(i, number, line))
        for number, line in points_claims(cell.source) if declared else []:
            if int(number) not in declared:
                problems.append(Unshown(i, number, f"{line.strip()} (the graded cells declare "
                                                   f"{sorted(declared)} points)"))
        for number in stale_markers(cell.source):
            problems.append(Unshown(i, number, "a marker lists it, the prose does not write it"))
    return problems


def report(path: Path, nb: NotebookNode) -> str:
    """One line per unshown number of a notebook, for a test failure."""
    return "\n".join(f"{path.name} {problem}" for problem in unshown(nb))
