"""What a student's process can reach while graded, and what the engine believes of a worker.

A small class of 01_tensors hand-ins written for these tests (probes, not answers) is graded
by the real engine, one worker, in the order of the student ids; their autograded notebooks
show what each student process saw.
"""

import ast
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograder import course, engine, sample_class
from autograder.notebooks import ROOT

UNIT = "01_tensors"
STUDENT_SIDE = ROOT / "autograder" / "student"

PROBE = '''
import glob, importlib, os, sys
print("FDS", sorted(int(fd) for fd in os.listdir("/proc/self/fd")))
print("PIDS", os.getpid(), sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
if os.fork() == 0:  # a daemon: the next student's process must not see it
    os.setsid()
    import time
    time.sleep(600)
for name in ("autograder.question", "autograder.questions", "autograder.engine", "autograder.kit"):
    try:
        importlib.import_module(name)
        print("IMPORTED", name)
    except Exception as e:
        print("NOIMPORT", name, type(e).__name__)
import autograder.checks  # the setup cell's import finds a stand-in
print("CHECKS", sorted(n for n in dir(autograder.checks) if not n.startswith("__")))
import numpy.random, tensorflow.python.ops.parallel_for  # imported lazily, from the environment
print("LAZY", numpy.random.default_rng(0).integers(10))
for path in ("/opt/grader/autograder/checks.py", "/opt/grader/autograder/questions/u01_tensors.py"):
    try:
        open(path).read()
        print("READ", path)
    except OSError as e:
        print("NOREAD", path, type(e).__name__)
print("MODULES", sorted(m for m in sys.modules if m.startswith("autograder.") and not m.startswith("autograder.student")))
print("SEEN", sorted(glob.glob("/tmp/**", recursive=True) + glob.glob("/dev/shm/*") + glob.glob(os.path.expanduser("~/*"))))
for folder in ("/tmp", "/dev/shm", os.path.expanduser("~")):
    try:
        open(os.path.join(folder, "left-by-" + os.environ.get("USER", "a-student")), "w").write("secret")
    except OSError:
        pass
'''


def _lines(nb, prefix):
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
    return [line for line in text.splitlines() if line.startswith(prefix)]


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """A course root with 01_tensors released and four hand-ins: two probes, one forger, one honest."""
    root = tmp_path_factory.mktemp("trust")
    course.setup_sample_root(root, share=False)
    course.release([UNIT], root, log=root / "logs" / "release.log")
    unit = sample_class.Unit.load(UNIT, root / "source")
    hostile = sample_class._load(ROOT / "samples" / "hostile.py", "sample_hostile")
    solved = {q: sample_class.SOLUTION for q in unit.questions}
    hand_ins = {
        "a-probe": sample_class.Student("a-probe", "probe", dict(solved), extra_cell=PROBE),
        "b-probe": sample_class.Student("b-probe", "probe", dict(solved), extra_cell=PROBE),
        "c-forger": sample_class.Student("c-forger", "forges results", dict(solved), extra_cell=hostile.FORGE_FDS),
        "d-honest": sample_class.Student("d-honest", "honest", dict(solved)),
    }
    for sid, student in hand_ins.items():
        dest = root / "submitted" / sid / UNIT / f"{UNIT}.ipynb"
        dest.parent.mkdir(parents=True)
        nbformat.write(sample_class.submission(unit, student, root / "release"), str(dest))
    subs = engine.grade(root, UNIT, workers=1, echo=lambda *a: None)
    notebooks = {s.student: nbformat.read(str(root / "autograded" / s.student / UNIT / f"{UNIT}.ipynb"), 4)
                 for s in subs}
    return root, unit, {s.student: s for s in subs}, notebooks


def test_a_student_process_holds_no_descriptor_but_its_channel(small_class):
    *_, notebooks = small_class
    (line,) = _lines(notebooks["a-probe"], "FDS")
    fds = json.loads(line.split(" ", 1)[1])
    # 0-2 are /dev/null, one is the channel to the runner, one is listdir's own
    assert fds[:3] == [0, 1, 2] and len(fds) == 5


def test_a_student_process_is_alone_in_its_pid_namespace(small_class):
    *_, notebooks = small_class
    for sid in ("a-probe", "b-probe"):  # b-probe runs after a-probe's daemon, on the same worker
        assert _lines(notebooks[sid], "PIDS") == ["PIDS 1 [1]"]


def test_the_grader_side_is_neither_importable_nor_readable(small_class):
    *_, notebooks = small_class
    nb = notebooks["a-probe"]
    assert len(_lines(nb, "NOIMPORT")) == 4 and not _lines(nb, "IMPORTED")
    assert _lines(nb, "CHECKS") == ["CHECKS ['checking']"]
    assert len(_lines(nb, "NOREAD")) == 2 and not _lines(nb, "READ ")
    assert _lines(nb, "MODULES") == ["MODULES ['autograder.checks']"]


def test_the_student_s_own_environment_stays_importable_in_its_private_tmp(small_class):
    *_, notebooks = small_class
    assert _lines(notebooks["a-probe"], "LAZY") == ["LAZY 8"]


def test_nothing_one_student_writes_is_visible_to_the_next(small_class):
    *_, notebooks = small_class
    for sid in ("a-probe", "b-probe"):  # graded one after the other on the same worker
        (seen,) = _lines(notebooks[sid], "SEEN")
        assert "left-by" not in seen, seen


def test_forged_results_reach_nobody_and_cost_only_the_forger_a_cell(small_class):
    _, unit, subs, notebooks = small_class
    full = {f"test_{q}": float(p) for q, p in unit.points.items()}
    assert subs["d-honest"].scores == full
    assert subs["c-forger"].scores == full  # its answers are right; the forging cell was cut off
    outputs = [o for c in notebooks["c-forger"].cells for o in c.get("outputs", [])]
    assert any(o.get("ename") == "CellCrashed" and "grader's channel" in o.get("evalue", "") for o in outputs)


# The one door to the grader side: the worker's runner, after it has forked from the zygote.
RUNNER_ENTRY = {("worker.py", "autograder"), ("worker.py", "autograder.sandbox")}


def test_the_student_side_never_imports_the_grader_side():
    allowed = {"__future__", "numpy", "tensorflow"} | set(sys.stdlib_module_names)
    for path in sorted(STUDENT_SIDE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                assert not isinstance(node, ast.ImportFrom) or node.level == 1, \
                    f"{path.name} imports from outside autograder.student"
                continue
            for name in names:
                assert name.split(".")[0] in allowed or (path.name, name) in RUNNER_ENTRY, f"{path.name}: {name}"


def test_the_worker_starts_without_the_grader_side_in_its_zygote():
    code = ("import sys; sys.path.insert(0, 'SIDE'); "
            "import autograder.student.steps as s; s.load(); "
            "print(sorted(m for m in sys.modules if m.startswith('autograder')))").replace("SIDE", str(ROOT / "build" / "side"))
    side = ROOT / "build" / "side" / "autograder"
    side.mkdir(parents=True, exist_ok=True)
    (side / "__init__.py").write_text((ROOT / "autograder" / "__init__.py").read_text())
    link = side / "student"
    if not link.exists():
        link.symlink_to(STUDENT_SIDE, target_is_directory=True)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr[-2000:]
    modules = eval(out.stdout.strip().splitlines()[-1])
    assert modules and all(m == "autograder" or m.startswith("autograder.student") for m in modules)


HOSTILE_LINES = [b"", b"\n", b"{}\n", b"null\n", b"[1, 2]\n", b'{"id": null}\n', b"\xff\xfe\n",
                 b'{"id": "someone-else/01_tensors", "outputs": {}, "seconds": 0}\n',
                 b'{"id": "x/01_tensors", "outputs": {"3": [{"output_type": "display_data"}]}}\n',
                 b'{"id": "x/01_tensors", "outputs": {"3": "text"}}\n',
                 b'{"id": "x/01_tensors", "outputs": {"a": []}}\n',
                 b'{"id": "x/01_tensors", "error": 3}\n', b"[" * 100000 + b"\n"]


def test_the_engine_reads_only_its_own_job_s_result_from_any_bytes():
    rng = random.Random(0)
    lines = HOSTILE_LINES + [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200))) for _ in range(2000)]
    for line in lines:
        result = engine.read_result(line, "x/01_tensors")
        assert result is None or result["id"] == "x/01_tensors"
    ok = b'{"id": "x/01_tensors", "outputs": {"3": [{"output_type": "stream", "name": "stdout", "text": "hi"}]}, "seconds": 1}'
    assert engine.read_result(ok, "x/01_tensors")["outputs"]["3"][0]["text"] == "hi"
    assert engine.read_result(ok, "y/01_tensors") is None
    assert engine.read_result(ok, None) is None


class _ForgingWorker(engine.Worker):
    """A worker whose process answers every job with lines that are not that job's result."""

    def __init__(self, log: Path, index: int = 0, lines: list[bytes] = ()) -> None:
        script = "import sys\nfor line in sys.stdin:\n" + "".join(
            f"    sys.stdout.buffer.write({line!r})\n" for line in lines) + "    sys.stdout.flush()\n"
        if not lines:  # it dies on its first job
            script = "import sys\nsys.stdin.readline()\n"
        self.index, self.log = index, open(log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log)
        self.job, self.started = None, 0.0


@pytest.mark.parametrize("lines", [
    [b'{"id": "d-honest/01_tensors", "outputs": {}, "seconds": 0}\n'],   # another student's job
    [b"garbage\n"], [b'{"ok": true}\n'], []])                             # nonsense, or dies
def test_a_worker_that_sends_anything_but_its_job_s_result_is_replaced_and_the_job_graded_again(small_class, lines):
    root, unit, subs, _ = small_class
    log = root / "logs" / "forging.log"
    pool = engine.Pool(1, log)
    try:
        pool.workers[0].stop()
        pool.workers[0] = _ForgingWorker(log, 0, lines)
        again = engine.grade(root, UNIT, students=["b-probe"], force=True, echo=lambda *a: None, pool=pool)
    finally:
        pool.close()
    assert [s.scores for s in again] == [subs["b-probe"].scores]
    assert not isinstance(pool.workers[0], _ForgingWorker)


def test_a_worker_is_sent_each_submission_as_soon_as_it_is_free_and_not_after_all_are_read(small_class):
    """The engine restores a submission when a worker can take it (engine.grade's `restored`), so
    grading starts with the first; a pool that read them all first would log every read up front.
    A worker set free is sent its next submission before the one it finished is recorded."""
    root, *_ = small_class
    events = []

    def hand_ins():
        for sid in ("a-probe", "c-forger", "d-honest"):
            path = root / "autograded" / sid / UNIT / f"{UNIT}.ipynb"
            events.append(f"read {sid}")
            yield engine.Submission(sid, UNIT, UNIT, path, nb=nbformat.read(str(path), 4))

    pool = engine.Pool(1, root / "logs" / "lazy.log")
    try:
        for sub, result in pool.run(hand_ins()):
            events.append(f"graded {sub.student}" + (" with an error" if result.get("error") else ""))
    finally:
        pool.close()
    assert events == ["read a-probe", "read c-forger", "graded a-probe", "read d-honest",
                      "graded c-forger", "graded d-honest"]


def test_a_hand_in_whose_cell_metadata_breaks_nbgrader_s_schema_is_refused_by_restore(small_class):
    """restore runs nbgrader's CheckCellMetadata (its schema checked once per process, not per
    cell: engine._OneSchemaCheck): a solution cell whose metadata breaks the schema is refused
    with the reason, and the same hand-in intact is restored."""
    root, *_ = small_class
    config = engine.load_config(root)
    db_url = engine.gradebook_url(root, config)
    path = root / "submitted" / "d-honest" / UNIT / f"{UNIT}.ipynb"
    known = {c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(str(path), 4).cells if "nbgrader" in c.metadata}
    intact = engine.Submission("d-honest", UNIT, UNIT, path)
    engine.restore(intact, config, db_url, known)
    assert intact.nb is not None and not intact.reason
    nb = nbformat.read(str(path), 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    cell.metadata["nbgrader"]["solution"] = "yes"
    broken_path = root / "broken" / f"{UNIT}.ipynb"
    broken_path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, str(broken_path))
    broken = engine.Submission("d-honest", UNIT, UNIT, broken_path)
    engine.restore(broken, config, db_url, known)
    assert broken.nb is None
    assert "could not be restored from the source (ValidationError" in broken.reason


def test_every_unit_s_steps_are_found_whatever_was_imported_first():
    code = ("import autograder.student.u06_hessians\n"  # a grader-side module imports its unit's steps
            "from autograder.student import steps\n"
            "print(steps.get('update_in_place') is not steps.call, steps.get('derivative') is not steps.call)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == ["True", "True"], out.stderr[-1000:]


def test_nbgrader_s_own_autograde_runs_student_code_in_the_sandbox(small_class):
    root, *_ = small_class
    course.nbgrader(["autograde", UNIT, "--student", "a-probe", "--force"], root, root / "logs" / "stock.log")
    nb = nbformat.read(str(root / "autograded" / "a-probe" / UNIT / f"{UNIT}.ipynb"), 4)
    assert len(_lines(nb, "NOIMPORT")) == 4 and _lines(nb, "MODULES") == ["MODULES ['autograder.checks']"]
    (line,) = _lines(nb, "FDS")
    assert len(json.loads(line.split(" ", 1)[1])) == 5


def test_a_runner_whose_zygote_is_gone_gives_no_result_so_the_engine_grades_the_job_again():
    """A zygote that died (or cannot be reached) must not zero every later student of its worker."""
    import io
    import socket

    from autograder import sandbox

    zygote, gone = socket.socketpair()
    gone.close()
    job = {"id": "x/01_tensors", "student": "x", "cells": [{"cell_type": "code", "source": "1", "metadata": {}}]}
    out = io.BytesIO()
    sandbox.run_jobs(zygote, [json.dumps(job).encode()], out)
    assert out.getvalue() == b""


SLOW_BUT_RIGHT = '''
    # The right answer, whose first call computes for a while; during it this process is starved
    # of the CPU (the test stops and continues it from outside, as a busy machine would).
{solution}
    import builtins, ctypes, time
    if not hasattr(builtins, "slow_once"):
        builtins.slow_once = True
        ctypes.CDLL(None).prctl(15, b"starved-probe", 0, 0, 0)  # PR_SET_NAME: the test finds it
        start = time.process_time()
        while time.process_time() - start < 0.2:
            pass
        ctypes.CDLL(None).prctl(15, b"python", 0, 0, 0)
    return {q}(*args, **kwargs)
'''

SLEEPER_ANSWER = '''
    import time
    time.sleep(600)
'''


def _ours(pid: int, us: int) -> bool:
    """Whether process `pid` descends from process `us`."""
    while pid > 1:
        if pid == us:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
    return False


def _starve(stop: threading.Event, us: int) -> None:
    """Hold each of our descendants named starved-probe stopped 90% of the time, as a loaded machine would."""
    while not stop.is_set():
        starved = []
        for p in Path("/proc").iterdir():
            try:
                if p.name.isdigit() and (p / "comm").read_text().strip() == "starved-probe" and _ours(int(p.name), us):
                    starved.append(int(p.name))
            except OSError:
                continue
        for pid in starved:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        time.sleep(0.45)
        for pid in starved:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        time.sleep(0.05)


@pytest.mark.skipif(os.geteuid() != 0, reason="stops student processes from outside: needs root")
def test_a_call_starved_of_cpu_keeps_its_points_and_one_that_computes_or_waits_too_long_is_stopped(
        small_class, monkeypatch):
    """A call's limit is CPU time, counted outside the student's process (sandbox._Allowance), so
    an honest student on a busy machine (another student's fork bomb, a loaded node) loses nothing.
    Here one is starved: it runs 10% of the time while a call of its answer needs 0.2 s of CPU time,
    about 2 s by the clock, four times the 0.5 s allowed. Endless computing still meets the CPU
    limit, a call that only waits meets the wall limit (8 times the CPU allowance), and so does
    one that computes in children whose CPU time /proc never shows (samples/hostile.py)."""
    root, unit, subs, _ = small_class
    question = unit.questions[1]
    solved = {q: sample_class.SOLUTION for q in unit.questions}
    hostile = sample_class._load(ROOT / "samples" / "hostile.py", "sample_hostile")
    hand_ins = {
        "e-starved": sample_class.Student("e-starved", "slow, right, starved", {**solved, question: "hostile:" + SLOW_BUT_RIGHT.format(
            q=question, solution=textwrap.indent(unit.solutions[question], "    "))}),
        "f-endless": sample_class.Student("f-endless", "endless loop", {**solved, question: "hostile:" + hostile.SIGINT_LOOP_ANSWER}),
        "g-sleeper": sample_class.Student("g-sleeper", "sleeps", {**solved, question: "hostile:" + SLEEPER_ANSWER}),
        "i-hidden-cpu": sample_class.Student("i-hidden-cpu", "computes in children reaped unseen",
                                             {**solved, question: "hostile:" + hostile.HIDDEN_CPU_ANSWER}),
    }
    for sid, student in hand_ins.items():
        dest = root / "submitted" / sid / UNIT / f"{UNIT}.ipynb"
        dest.parent.mkdir(parents=True)
        nbformat.write(sample_class.submission(unit, student, root / "release"), str(dest))
    monkeypatch.setenv("AUTOGRADER_CASE_SECONDS", "0.5")
    monkeypatch.setenv("AUTOGRADER_WALL_FACTOR", "8")
    stop = threading.Event()
    starver = threading.Thread(target=_starve, args=(stop, os.getpid()), daemon=True)
    starver.start()
    try:
        graded = {s.student: s for s in engine.grade(root, UNIT, students=list(hand_ins), workers=1, echo=lambda *a: None)}
    finally:
        stop.set()
        starver.join()
    full = subs["d-honest"].scores
    assert graded["e-starved"].scores == full
    for sid, why in (("f-endless", "used more than 0.5 s of CPU time"), ("g-sleeper", "took longer than 4 s by the clock"),
                     ("i-hidden-cpu", "and was stopped")):  # by whichever limit sees it first
        assert graded[sid].scores == {**full, f"test_{question}": 0.0}, sid
        nb = nbformat.read(str(root / "autograded" / sid / UNIT / f"{UNIT}.ipynb"), 4)
        assert why in json.dumps(nbformat.writes(nb)), sid


def test_two_workers_on_one_machine_never_share_a_student_uid():
    """The kernel's process limit counts per uid (engine.claim_student_uid)."""
    first = engine.claim_student_uid(0)
    second = engine.claim_student_uid(0)
    try:
        assert first.uid != second.uid and engine.STUDENT_UID_BASE <= min(first.uid, second.uid)
        held = subprocess.run([sys.executable, "-c", "from autograder import engine; print(engine.claim_student_uid(0).uid)"],
                              capture_output=True, text=True, cwd=ROOT, check=True).stdout.split()
        assert int(held[-1]) not in (first.uid, second.uid)  # another process, the same machine
        uid = first.uid
        first.release()
        assert engine.claim_student_uid(uid - engine.STUDENT_UID_BASE).uid == uid
    finally:
        first.release()
        second.release()


@pytest.mark.skipif(os.geteuid() != 0, reason="student uids of their own need root")
def test_a_fork_bomb_in_one_grading_run_costs_a_student_of_another_run_nothing(small_class, monkeypatch):
    """Two grading runs at once on one machine (the demo beside a test, two courses): a fork bomb
    fills its uid's process limit, and the other run's honest student, on a uid of its own, still
    starts every process and thread it needs and scores in full."""
    root, unit, subs, _ = small_class
    hostile = sample_class._load(ROOT / "samples" / "hostile.py", "sample_hostile")
    solved = {q: sample_class.SOLUTION for q in unit.questions}
    bomb = sample_class.Student("h-bomb", "fork bomb", {**solved, unit.questions[0]: "hostile:" + hostile.FORK_BOMB_ANSWER})
    dest = root / "submitted" / "h-bomb" / UNIT / f"{UNIT}.ipynb"
    dest.parent.mkdir(parents=True)
    nbformat.write(sample_class.submission(unit, bomb, root / "release"), str(dest))
    monkeypatch.setenv("AUTOGRADER_CASE_SECONDS", "8")
    bombing, honest = engine.Pool(1, root / "logs" / "bomb.log"), engine.Pool(1, root / "logs" / "beside.log")
    try:
        assert bombing.workers[0].uid_lock.uid != honest.workers[0].uid_lock.uid
        done = threading.Event()
        thread = threading.Thread(target=lambda: (engine.grade(root, UNIT, students=["h-bomb"], pool=bombing,
                                                               echo=lambda *a: None), done.set()), daemon=True)
        thread.start()
        bomb_uid, deadline = bombing.workers[0].uid_lock.uid, time.monotonic() + 120
        while time.monotonic() < deadline and not done.is_set():  # until the bomb holds its limit
            if sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _uid(p) == bomb_uid) >= 200:
                break
            time.sleep(0.1)
        assert not done.is_set(), "the fork bomb ended before it filled its process limit"
        path = root / "autograded" / "d-honest" / UNIT / f"{UNIT}.ipynb"
        sub = engine.Submission("d-honest", UNIT, UNIT, path, nb=nbformat.read(str(path), 4))
        ((_, result),) = list(honest.run([sub]))
        assert not done.is_set(), "the honest hand-in was not graded while the bomb ran"
        thread.join()
    finally:
        bombing.close()
        honest.close()
    outputs = [o for cell in result["outputs"].values() for o in cell]
    assert outputs and not [o for o in outputs if o.get("output_type") == "error"]
    assert any("✓" in o.get("text", "") for o in outputs) and not any("✗" in o.get("text", "") for o in outputs)


def _uid(proc: Path) -> int:
    try:
        return next(int(line.split()[1]) for line in (proc / "status").read_text().splitlines() if line.startswith("Uid:"))
    except (OSError, StopIteration, ValueError):
        return -1
