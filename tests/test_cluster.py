"""Grading on a Dask cluster with real parts: a scheduler and nodes started with ./course.sh, as
separate processes talking over loopback TCP, each node grading in its own bubblewrap workers.

One small honest class (unit 02, 9 submissions) is graded locally once; every cluster run must give
exactly its scores. Nodes and coordinators are killed with SIGKILL in the middle of a run, when the
journal (logs/recorded.log) shows that grading is under way.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder import cli, course, engine, sample_class
from autograder.cluster import CourseProcess as Proc
from autograder.cluster import LocalCluster as Cluster
from autograder.postgres import free_port
from autograder.errors import CourseError

ROOT = Path(__file__).resolve().parent.parent
COURSE = str(ROOT / "course.sh")
UNIT = "02_gradient_tape"
QUIET = lambda *a: None  # noqa: E731


def journal(root: Path) -> list[str]:
    path = root / "logs" / "recorded.log"
    return [line.split("\t")[2].strip() for line in path.read_text().splitlines()] if path.exists() else []


def when_journal_has(root: Path, n: int, then, seconds: float = 300) -> threading.Thread:
    """Call `then` as soon as `n` submissions are recorded (grading is under way)."""
    def watch():
        deadline = time.monotonic() + seconds
        while len(journal(root)) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        then()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def gradebook(root: Path) -> dict:
    """Scores per student and question, the causes recorded, and how many rows each table holds."""
    with sqlite3.connect(root / "gradebook.db") as db:
        rows = {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("submitted_assignment", "submitted_notebook", "grade", "autograder_submission")}
        causes = collections.Counter(db.execute(
            "SELECT student, question, stream, problem FROM autograder_cause").fetchall())
    return {"scores": course.scores(root, [UNIT])[UNIT], "rows": rows, "causes": causes}


@pytest.fixture(scope="module")
def clusters(tmp_path_factory):
    """Two clusters of two nodes, started while the class is built and graded locally: one as
    Dask comes, and one whose scheduler reruns no task of a dead node (allowed-failures 0)."""
    logs = tmp_path_factory.mktemp("clusters")
    started = []
    try:
        started.append(Cluster(logs / "default", 2))
        started.append(Cluster(logs / "brittle", 2, env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}))
        yield dict(zip(["default", "brittle"], started))
    finally:
        for c in started:
            c.close()


@pytest.fixture(scope="module")
def cluster(clusters):
    return clusters["default"].ready()


@pytest.fixture(scope="module")
def klass(clusters, tmp_path_factory):
    """The class, released and handed in, ungraded; and the gradebook after grading it locally
    (the clusters start meanwhile)."""
    base = tmp_path_factory.mktemp("class")
    course.setup_sample_root(base, share=False)
    course.release([UNIT], base, base / "logs" / "release.log")
    shutil.rmtree(base / "logs")
    expected = sample_class.write_class(base, [UNIT], hostile=False)[UNIT]
    local = tmp_path_factory.mktemp("local") / "root"
    shutil.copytree(base, local)
    engine.grade(local, UNIT, workers=2, echo=QUIET)
    graded = gradebook(local)
    assert graded["scores"] == expected  # the local engine grades the class as declared
    assert sorted(journal(local)) == sorted(f"{s}/{UNIT}" for s in expected)
    return base, graded


def fresh(base: Path, tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(base, root)
    return root


def test_the_cluster_grades_as_the_local_engine_does(klass, cluster, tmp_path):
    """The scheduler named in nbgrader_config.py (c.Autograder.cluster) grades the class."""
    base, local = klass
    root = fresh(base, tmp_path)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"c.Autograder.cluster = {cluster.address!r}\n")
    said = []
    engine.grade(root, UNIT, echo=said.append)
    assert any("Dask scheduler" in line and "2 nodes" in line for line in said), said
    assert gradebook(root) == local
    assert sorted(journal(root)) == sorted(f"{s}/{UNIT}" for s in local["scores"])


def test_a_node_killed_mid_run_costs_nothing_and_grades_nothing_twice(klass, cluster, tmp_path):
    base, local = klass
    root = fresh(base, tmp_path)
    victim = cluster.nodes[-1]
    watcher = when_journal_has(root, 2, victim.kill)
    engine.grade(root, UNIT, cluster=cluster.address, echo=QUIET)
    watcher.join()
    assert victim.popen.poll() is not None
    recorded = journal(root)
    assert sorted(recorded) == sorted(f"{s}/{UNIT}" for s in local["scores"])  # each exactly once
    assert gradebook(root) == local  # none lost, none twice, the same scores and causes
    cluster.start_node()  # two nodes again for the tests that follow


def test_without_the_scheduler_s_recovery_the_same_kill_loses_a_submission(klass, clusters, tmp_path):
    """Proof that the test above can fail: a scheduler that reruns no task of a dead node
    (allowed-failures 0) loses what the killed node held, and says so."""
    base, local = klass
    root = fresh(base, tmp_path)
    brittle = clusters["brittle"].ready()
    watcher = when_journal_has(root, 2, brittle.nodes[-1].kill)
    with pytest.raises(CourseError, match="not graded.*run the same command again"):
        engine.grade(root, UNIT, cluster=brittle.address, echo=QUIET)
    watcher.join()
    lost = set(local["scores"]) - {j.split("/")[0] for j in journal(root)}
    assert lost  # the kill lost at least one submission
    assert not any((root / "autograded" / s / UNIT).exists() for s in lost)
    engine.grade(root, UNIT, cluster=brittle.address, echo=QUIET)  # run again: the rest is graded
    assert sorted(journal(root)) == sorted(f"{s}/{UNIT}" for s in local["scores"])
    assert gradebook(root) == local


def test_a_coordinator_killed_mid_run_resumes_without_grading_anything_twice(klass, cluster, tmp_path):
    base, local = klass
    root = fresh(base, tmp_path)
    cluster.ready()  # the node started after the last test has joined
    first = Proc(["grade", UNIT, "--root", str(root), "--cluster", cluster.address, "--no-feedback"],
                 tmp_path / "first.log")
    when_journal_has(root, 3, first.kill).join()
    assert 3 <= len(journal(root)) < len(local["scores"]), "the coordinator was not killed mid-run"
    said = []
    engine.grade(root, UNIT, cluster=cluster.address, echo=said.append)  # the same command again
    recorded = journal(root)
    assert collections.Counter(recorded).most_common(1)[0][1] == 1  # no job id recorded twice
    assert sorted(recorded) == sorted(f"{s}/{UNIT}" for s in local["scores"])
    assert gradebook(root) == local
    assert any("already graded" in line for line in said), said


def test_an_unreachable_scheduler_is_one_sentence_and_a_failure(klass, tmp_path, capsys):
    closed = f"tcp://127.0.0.1:{free_port()}"
    start = time.monotonic()
    node = subprocess.Popen([COURSE, "node", closed, "--timeout", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    root = fresh(klass[0], tmp_path)
    for address, said in [(closed, "cannot reach the grading scheduler"), ("localhost", "not a scheduler address")]:
        assert cli.main(["grade", UNIT, "--root", str(root), "--cluster", address]) != 0
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and said in err, err  # one sentence
    out, err = node.communicate(timeout=120)
    assert node.returncode != 0, out
    assert err.count("\n") == 1 and "node cannot reach the grading scheduler" in err, err
    assert time.monotonic() - start < 60  # the node gave up after its 2 s, not in a retry loop
    assert not (root / "autograded").exists()


CREATOR = """
import sys, time
from pathlib import Path
from autograder.cluster import LocalCluster
cluster = LocalCluster(Path(sys.argv[1]), 1)
print(cluster.scheduler.popen.pid, cluster.nodes[0].popen.pid, flush=True)
time.sleep(600)
"""


def test_a_cluster_whose_creator_is_killed_outright_leaves_no_scheduler_or_node(tmp_path):
    """A test or benchmark killed with SIGKILL (a CI time-out) cannot close its cluster: its
    scheduler and nodes must still go (they once polled on for an hour under later measurements)."""
    creator = subprocess.Popen([sys.executable, "-c", CREATOR, str(tmp_path / "logs")], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in creator.stdout.readline().split()]
    assert len(pids) == 2, "the cluster did not start"

    def running(pid, python=False):
        """Whether `pid` is there and not a zombie (and, with python=True, runs Python by now)."""
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            return state != "Z" and (not python or "python" in os.path.basename(os.readlink(f"/proc/{pid}/exe")))
        except OSError:
            return False

    deadline = time.monotonic() + 120  # killed once both run Python, past setpriv and course.sh
    try:
        while not all(running(p, python=True) for p in pids):
            assert time.monotonic() < deadline, "the scheduler or the node did not start"
            time.sleep(0.1)
    finally:
        creator.kill()
        creator.wait()
    deadline = time.monotonic() + 30
    while any(running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in pids if running(p)]
    for p in left:  # not left to the tests that follow either
        os.killpg(p, signal.SIGKILL)
    assert not left, f"processes {left} (scheduler, node) outlived their creator"
