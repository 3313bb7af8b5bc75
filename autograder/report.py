"""What long work shows people: a progress bar, and the grade table at the end."""

from __future__ import annotations

import sys
import time


class Progress:
    """A one-line progress bar with counts and an estimate of the time left."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done, self.start = total, label, 0, time.monotonic()

    def step(self, what: str) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.start
        left = elapsed / self.done * (self.total - self.done)
        bar = "#" * int(20 * self.done / self.total)
        sys.stdout.write(f"\r  {self.label} [{bar:<20}] {self.done}/{self.total}  "
                         f"{elapsed:5.0f}s elapsed, ~{left:4.0f}s left  {what[:28]:<28}")
        sys.stdout.flush()
        if self.done == self.total:
            sys.stdout.write("\n")


def grade_table(totals: dict[str, dict[str, float]], maxima: dict[str, float]) -> str:
    """Students as rows, assignments as columns, then the total."""
    names = list(maxima)
    students = sorted({s for per in totals.values() for s in per})
    width = max([len(s) for s in students] + [7])
    head = f"{'student':<{width}}  " + "  ".join(f"{n[:14]:>14}" for n in names) + f"  {'total':>9}"
    lines = [head, "-" * len(head)]
    for s in students:
        row = [totals[n].get(s) for n in names]
        cells = "  ".join(f"{'-' if v is None else f'{v:g}/{maxima[n]:g}':>14}" for v, n in zip(row, names))
        total = sum(v or 0 for v in row)
        lines.append(f"{s:<{width}}  {cells}  {total:>4g}/{sum(maxima.values()):g}")
    return "\n".join(lines)
