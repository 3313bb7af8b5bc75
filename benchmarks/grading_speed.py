"""Stock `nbgrader autograde` vs the sandboxed engine, on the same classes, on this machine, in one run.

    .venv/bin/python benchmarks/grading_speed.py [--units 01_tensors 06_hessians] [--copies 2]
                                                 [--workers N] [--nodes 2] [--no-stock]

For each unit (default: every unit), builds its honest sample class (copied `--copies` times under
new student ids) and grades it:
- with stock nbgrader (its own Execute step: one kernel per notebook, the grader's rights, no sandbox);
- with the engine (sandboxed workers, one per core unless --workers);
- with the engine on a Dask cluster on this machine: a scheduler and `--nodes` nodes of one
  sandboxed worker each, started with ./course.sh scheduler and ./course.sh node (0: left out);
- with the engine, a class of the same size that hands in the release untouched: its answers stop
  at their first line, so its time is the engine's own (read, restore, send, a sandboxed student
  process, record), and the honest class's time beyond it is the students' own code and its
  checks; and a blank class four times that size: the time each hand-in more adds, times the
  workers, is the engine's overhead per submission (a run's own start is not per submission).

It prints, per unit: seconds per submission for each, the throughput ratio, the engine's overhead
per submission and the students' share of the engine's time, honest submissions per hour, and
whether the scores agree with stock nbgrader's. It also measures the floor the overhead is held to:
forking a process that has imported TensorFlow, and that child's first TensorFlow op.
Times are wall-clock on this machine, printed side by side from the same run; only their ratios
travel to another machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import course, engine, notebooks, sample_class  # noqa: E402
from autograder.cluster import LocalCluster  # noqa: E402

FORK_PROBE = r"""
import os, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf

def timed(child, n=20):
    start = time.perf_counter()
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            child()
            os._exit(0)
        os.waitpid(pid, 0)
    return (time.perf_counter() - start) / n

print(timed(lambda: None), timed(lambda: float(tf.reduce_sum(tf.constant([1.0, 2.0])))))
"""


def fork_floor() -> tuple[float, float]:
    """Seconds to fork a TensorFlow-imported process (child exits at once; child runs one op)."""
    out = subprocess.run([sys.executable, "-c", FORK_PROBE], capture_output=True, text=True, check=True)
    bare, first_op = map(float, out.stdout.split()[-2:])
    return bare, first_op


def build(root: Path, unit: str, copies: int, blank: bool = False) -> int:
    """The honest class of `unit` (or as many blank hand-ins) in a fresh course root, `copies` times over."""
    course.setup_sample_root(root, share=False)
    course.release([unit], root, root / "logs" / "nbgrader.log")
    sample_class.write_class(root, [unit], hostile=False)
    base = sorted((root / "submitted").iterdir())
    if blank:
        template = root / "submitted" / "sample-blank"
        for k, student in enumerate(base):
            if student != template:
                shutil.rmtree(student)
                shutil.copytree(template, root / "submitted" / f"blank-{k}")
        base = sorted((root / "submitted").iterdir())
    for k in range(1, copies):
        for student in base:
            shutil.copytree(student, root / "submitted" / f"{student.name}-copy{k}")
    return len(list((root / "submitted").iterdir()))


def scores(root: Path, unit: str) -> dict:
    return {s: dict(per) for s, per in course.scores(root, [unit])[unit].items()}


COORDINATOR = {"restore": 0.0, "record": 0.0}  # this process's own time in each step of engine.grade


def _coordinator_timed(step):
    def timed(*args, **kwargs):
        start = time.monotonic()
        try:
            return step(*args, **kwargs)
        finally:
            COORDINATOR[step.__name__] += time.monotonic() - start
    return timed


engine.restore, engine.record = _coordinator_timed(engine.restore), _coordinator_timed(engine.record)


def timed_engine(root: Path, unit: str, pool: engine.Pool | None, cluster: str | None = None
                 ) -> tuple[float, dict, list]:
    """(wall seconds; the coordinator's own seconds restoring and recording; the graded submissions)
    for one class, on `pool` or on the Dask scheduler at `cluster`."""
    COORDINATOR.update(restore=0.0, record=0.0)
    start = time.monotonic()
    subs = engine.grade(root, unit, force=True, echo=lambda *a: None, pool=pool, cluster=cluster)
    return time.monotonic() - start, dict(COORDINATOR), subs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", nargs="+", default=notebooks.units())
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--nodes", type=int, default=2, help="Dask nodes on this machine (0: no cluster)")
    parser.add_argument("--no-stock", action="store_true", help="leave out stock nbgrader (the slowest part)")
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() or 1
    bare, first_op = fork_floor()
    rows, agree_all = [], True
    start = time.monotonic()
    log = Path(tempfile.mkdtemp()) / "engine.log"
    pool = engine.Pool(workers, log)  # started once, as the demo does: its start-up is not per submission
    pool_start = time.monotonic() - start
    # stopped (Ctrl-C, or SIGTERM as from `kill`), it still stops its workers, scheduler and nodes
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cluster = None
    try:
        cluster = LocalCluster(log.parent / "cluster", args.nodes).ready() if args.nodes else None
        for unit in args.units:
            with tempfile.TemporaryDirectory() as tmp:
                root, blank_root = Path(tmp) / "course", Path(tmp) / "blank"
                n = build(root, unit, args.copies)
                stock_s = stock_scores = None
                if not args.no_stock:
                    os.environ["AUTOGRADER_STOCK_EXECUTE"] = "1"  # nbgrader's own Execute (nbgrader_config.py)
                    start = time.monotonic()
                    course.autograde(unit, root, n, root / "logs" / "nbgrader.log")
                    stock_s = time.monotonic() - start
                    del os.environ["AUTOGRADER_STOCK_EXECUTE"]
                    stock_scores = scores(root, unit)
                engine_s, coord_s, subs = timed_engine(root, unit, pool)
                requests = sum(s.oracle_requests for s in subs) / n
                serving = sum(s.oracle_seconds for s in subs) / max(1e-9, sum(s.seconds for s in subs))
                ours = scores(root, unit)
                agree = stock_scores is None or ours == stock_scores
                dask_s = None
                if cluster:
                    dask_s, _, _ = timed_engine(root, unit, None, cluster.address)
                    agree &= scores(root, unit) == ours
                agree_all &= agree
                assert build(blank_root, unit, args.copies, blank=True) == n
                blank_s, _, _ = timed_engine(blank_root, unit, pool)
                more = build(Path(tmp) / "blank-4x", unit, 4 * args.copies, blank=True)
                more_s, _, _ = timed_engine(Path(tmp) / "blank-4x", unit, pool)
                # what one more blank hand-in costs: a run's own start (config, gradebook) is not per submission
                overhead = (more_s - blank_s) * workers / (more - n)
                rows.append((unit, n, stock_s, engine_s, dask_s, blank_s, overhead, coord_s, requests, serving, agree))
    finally:
        pool.close()
        if cluster:
            cluster.close()
    print(f"\n{os.cpu_count()} cores; engine workers: {workers}. Forking a TensorFlow-imported process: "
          f"{bare:.3f} s; with the child's first op: {first_op:.3f} s. Starting the engine's workers "
          f"(once per run): {pool_start:.1f} s.")
    print(f"{'unit':<24}{'n':>4}{'stock s/sub':>12}{'engine s/sub':>13}{'ratio':>7}{'Dask s/sub':>11}"
          f"{'overhead s/sub':>15}{'x fork+op':>10}{'students share':>15}{'restore s/sub':>14}{'record s/sub':>13}"
          f"{'subs/hour':>10}"
          f"{'oracle req/sub':>15}{'their share':>12}  scores agree")
    for unit, n, stock_s, engine_s, dask_s, blank_s, overhead, coord_s, requests, serving, agree in rows:
        stock = f"{stock_s / n:>12.2f}" if stock_s is not None else f"{'-':>12}"
        ratio = f"{stock_s / engine_s:>6.1f}x" if stock_s is not None else f"{'-':>7}"
        dask = f"{dask_s / n:>11.2f}" if dask_s is not None else f"{'-':>11}"
        print(f"{unit:<24}{n:>4}{stock}{engine_s / n:>13.2f}{ratio}{dask}{overhead:>15.2f}"
              f"{overhead / first_op:>9.1f}x{max(0.0, 1 - blank_s / engine_s):>15.0%}{coord_s['restore'] / n:>14.3f}{coord_s['record'] / n:>13.3f}"
              f"{3600 * n / engine_s:>10.0f}{requests:>15.0f}{serving:>12.0%}  {'yes' if agree else 'NO'}")
    print("engine s/sub: wall time per submission with every worker busy; Dask s/sub: the same class "
          f"through a scheduler and {args.nodes} local nodes of one worker each; overhead s/sub: one worker's time "
          "per blank hand-in (the engine's own cost), wall time x workers per hand-in more between blank classes of "
          f"{args.copies}x and {4 * args.copies}x the class; students share: the honest class's time beyond that; "
          "restore, record s/sub: the coordinating process's own time per submission reading and restoring it "
          "(as a worker becomes free for it) and recording it into the gradebook (one at a time as results come), "
          "the parts that do not grow with workers; oracle req/sub: black-box requests the runner answered per "
          "submission, and their share of the runner's time.")
    return 0 if agree_all else 1


if __name__ == "__main__":
    sys.exit(main())
