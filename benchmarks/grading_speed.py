"""Stock `nbgrader autograde` vs the sandboxed engine, on the same class, on this machine.

    .venv/bin/python benchmarks/grading_speed.py [--unit 01_tensors] [--copies 2] [--workers N]

Builds the honest sample class of one unit (copied `--copies` times under new student ids),
grades it once with stock nbgrader (this repository's config) and once with the engine, and
prints seconds per submission for each, the throughput ratio, and whether the scores agree.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import course, engine, sample_class  # noqa: E402


def build(root: Path, unit: str, copies: int) -> int:
    """The honest class of `unit` in a fresh course root, `copies` times over."""
    course.setup_sample_root(root, share=False)
    course.release([unit], root, root / "logs" / "nbgrader.log")
    sample_class.write_class(root, [unit], hostile=False)
    base = sorted((root / "submitted").iterdir())
    for k in range(1, copies):
        for student in base:
            shutil.copytree(student, root / "submitted" / f"{student.name}-copy{k}")
    return len(list((root / "submitted").iterdir()))


def scores(root: Path, unit: str) -> dict:
    return {s: {q: v for q, v in per.items()} for s, per in course.scores(root, [unit])[unit].items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", default="01_tensors")
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        n = build(root, args.unit, args.copies)
        print(f"{n} submissions of {args.unit}, {os.cpu_count()} cores")

        start = time.monotonic()
        course.autograde(args.unit, root, n, root / "logs" / "nbgrader.log")
        stock_s = time.monotonic() - start
        stock_scores = scores(root, args.unit)

        start = time.monotonic()
        engine.grade(root, args.unit, force=True, workers=args.workers, echo=lambda *a: None)
        engine_s = time.monotonic() - start
        engine_scores = scores(root, args.unit)

    print()
    print(f"{'':24}{'total s':>10}{'s/submission':>14}")
    print(f"{'stock nbgrader autograde':24}{stock_s:>10.1f}{stock_s / n:>14.2f}")
    print(f"{'engine (sandboxed)':24}{engine_s:>10.1f}{engine_s / n:>14.2f}")
    print(f"throughput ratio (engine / stock): {stock_s / engine_s:.1f}x")
    agree = stock_scores == engine_scores
    print(f"scores agree on all {n} honest submissions: {'yes' if agree else 'NO'}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
