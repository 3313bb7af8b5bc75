"""What a job costs through Dask on loopback, next to the local pool (README: Grading on more than one machine).

    .venv/bin/python benchmarks/cluster_overhead.py [--jobs 200] [--unit 02_gradient_tape]

Starts a scheduler and one node with one sandboxed worker (./course.sh scheduler, ./course.sh node)
on 127.0.0.1, and a local engine.Pool of one worker, then measures, on this machine and in one run:

1. empty jobs (a notebook without cells: the worker answers at once), one at a time: the round trip
   of one job, which is all the overhead the transport adds;
2. the same empty jobs all submitted at once: jobs per second when the transport is the only work;
3. a real class (the honest sample class of --unit, restored as the engine restores it), graded by
   each, one worker each, twice in turn: the better seconds per submission of each, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import course, engine, sample_class  # noqa: E402
from autograder.cluster import Cluster, LocalCluster  # noqa: E402


def empty_jobs(n: int, phase: str) -> list[engine.Submission]:
    """n jobs of a notebook without cells, each with its own id (a task key is never reused)."""
    return [engine.Submission(f"{phase}-{k:04d}", "empty", "empty", Path("."), nb=nbformat.v4.new_notebook())
            for k in range(n)]


def timed(run, subs) -> float:
    start = time.perf_counter()
    got = list(run(subs))
    assert len(got) == len(subs) and not any(r.get("error") for _, r in got), got[:1]
    return time.perf_counter() - start


def class_jobs(tmp: Path, unit: str) -> list[engine.Submission]:
    """The honest sample class of `unit`, restored exactly as engine.grade restores it."""
    course.setup_sample_root(tmp, share=False)
    course.release([unit], tmp, tmp / "logs" / "release.log")
    sample_class.write_class(tmp, [unit], hostile=False)
    config = engine.load_config(tmp)
    db_url = engine.gradebook_url(tmp, config)
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        known = {c.name for nb in gb.find_assignment(unit).notebooks for c in nb.source_cells}
    subs, _ = engine.find_submissions(tmp, unit, [unit], None)
    for sub in subs:
        engine.restore(sub, config, db_url, known)
    return [s for s in subs if s.nb is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--unit", default="02_gradient_tape")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cluster-overhead-"))
    local = LocalCluster(tmp / "cluster", 1).ready()  # ./course.sh scheduler and one ./course.sh node
    address = local.address
    try:
        pool = engine.Pool(1, tmp / "pool.log")
        cluster = Cluster(address, echo=lambda *a: None)
        subs = class_jobs(tmp / "class", args.unit)
        for run in (pool.run, cluster.run):  # warm up: first jobs import what they need
            timed(run, empty_jobs(3, "warm"))
        rows = []
        one = {name: sum(timed(run, [sub]) for sub in empty_jobs(args.jobs, "one")) / args.jobs
               for name, run in (("local", pool.run), ("cluster", cluster.run))}
        rows.append(("empty job, one at a time (ms per job)", one["local"] * 1e3, one["cluster"] * 1e3))
        many = {name: timed(run, empty_jobs(args.jobs, "many")) / args.jobs
                for name, run in (("local", pool.run), ("cluster", cluster.run))}
        rows.append((f"{args.jobs} empty jobs at once (ms per job)", many["local"] * 1e3, many["cluster"] * 1e3))
        real = {"local": [], "cluster": []}
        for _ in range(2):  # alternately, the best of two: the machine's other load drifts
            for name, run in (("local", pool.run), ("cluster", cluster.run)):
                real[name].append(timed(run, subs) / len(subs))
        real = {name: min(times) for name, times in real.items()}
        rows.append((f"{len(subs)} submissions of {args.unit} (s per submission)", real["local"], real["cluster"]))
        cluster.close()
        pool.close()
        print(f"{'':<54} {'local pool':>11} {'Dask':>9} {'ratio':>7}")
        for what, local, dask in rows:
            print(f"{what:<54} {local:>11.3f} {dask:>9.3f} {dask / local:>7.2f}")
        print(f"(one worker each, on {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f})")
    finally:
        local.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
