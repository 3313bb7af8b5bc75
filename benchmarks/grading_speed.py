"""Stock `nbgrader autograde` vs the sandboxed engine, on the same classes, on this machine, in one run.

    .venv/bin/python benchmarks/grading_speed.py [--units 01_tensors 03_partial_derivatives 06_hessians]
                                                 [--copies 2] [--workers N]

For each unit, builds its honest sample class (copied `--copies` times under new student ids),
grades it once with stock nbgrader (its own Execute step: one kernel per notebook, the grader's
rights, no sandbox) and once with the engine, and prints seconds per submission for each, the
throughput ratio, how many black-box requests the engine's runner answered per submission (each
a round trip from the student's process) with the share of the runner's time they took, and
whether the scores agree.
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
    parser.add_argument("--units", nargs="+", default=["01_tensors", "03_partial_derivatives", "06_hessians"])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    rows, agree_all = [], True
    for unit in args.units:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "course"
            n = build(root, unit, args.copies)
            os.environ["AUTOGRADER_STOCK_EXECUTE"] = "1"  # nbgrader's own Execute (nbgrader_config.py)
            start = time.monotonic()
            course.autograde(unit, root, n, root / "logs" / "nbgrader.log")
            stock_s = time.monotonic() - start
            del os.environ["AUTOGRADER_STOCK_EXECUTE"]
            stock_scores = scores(root, unit)

            start = time.monotonic()
            subs = engine.grade(root, unit, force=True, workers=args.workers, echo=lambda *a: None)
            engine_s = time.monotonic() - start
            agree = scores(root, unit) == stock_scores
            agree_all &= agree
            requests = sum(s.oracle_requests for s in subs) / n
            serving = sum(s.oracle_seconds for s in subs) / sum(s.seconds for s in subs)
            rows.append((unit, n, stock_s, engine_s, requests, serving, agree))
    print(f"\n{os.cpu_count()} cores; engine workers: {args.workers or os.cpu_count()}")
    print(f"{'unit':<24}{'n':>4}{'stock s/sub':>13}{'engine s/sub':>14}{'ratio':>8}"
          f"{'oracle req/sub':>16}{'share of runner time':>22}  scores agree")
    for unit, n, stock_s, engine_s, requests, serving, agree in rows:
        print(f"{unit:<24}{n:>4}{stock_s / n:>13.2f}{engine_s / n:>14.2f}{stock_s / engine_s:>7.1f}x"
              f"{requests:>16.0f}{serving:>21.0%}  {'yes' if agree else 'NO'}")
    return 0 if agree_all else 1


if __name__ == "__main__":
    sys.exit(main())
