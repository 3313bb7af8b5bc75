"""Grading on more than one machine: the engine's sandboxed workers, hosted by Dask distributed.

Three kinds of process:

- the **scheduler** (`./course.sh scheduler`, Dask's own `dask scheduler`) hands tasks to nodes
  and, when a node dies, runs the tasks it held on another node, up to
  `distributed.scheduler.allowed-failures` times (3 by default); past that the task fails and the
  coordinator says which submissions were not graded;
- a **node** (`./course.sh node tcp://HOST:8786`, one per machine, `serve_node`) is a Dask worker
  whose one task, `grade_job`, hands the job to a local `engine.Pool` of bubblewrap workers,
  exactly the local sandbox: one *slot* (a thread that owns a pool of one worker) per Dask thread;
- the **coordinator** (`./course.sh grade A --cluster tcp://HOST:8786`: `engine.grade` with a
  `Cluster`) restores each submission as it does locally, submits its job as plain data under a
  deterministic key, checks each result with `engine.read_result` and records it. It is the only
  process that opens the gradebook; a node gets nothing of the course but the job.

Dask runs a task at least once (a dead node's tasks run again elsewhere); each submission is
recorded once because the coordinator records the one result of each key, and a re-run skips what
autograded/ already holds.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import queue
import re
import signal
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .engine import Pool, Submission, job_id, read_result, sandbox_mode
from .errors import CourseError
from .notebooks import ROOT

DEFAULT_PORT = 8786
NODE_WAIT_SECONDS = 60  # how long the coordinator waits for a node to join, or for one to come back
# A node's slot k grades as uid STUDENT_UID_BASE + k or the next one free, below + 256
# (engine._subordinate_ids). Local grading's workers take 0 to 127, nodes 128 to 255, and
# engine.claim_student_uid keeps every worker on a machine on a uid of its own.
SLOTS = range(128, 256)
_ADDRESS = re.compile(r"(?:(tcp|tls)://)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")


def parse_address(address: str) -> str:
    """`tcp://HOST:PORT` (or tls://, or bare HOST:PORT, read as tcp://), or one sentence saying how."""
    m = _ADDRESS.fullmatch(address.strip())
    if not m or not 0 < int(m[3]) < 65536:
        raise CourseError(f"{address!r} is not a scheduler address: write it as tcp://HOST:PORT, "
                          f"e.g. tcp://10.0.0.5:{DEFAULT_PORT}")
    return f"{m[1] or 'tcp'}://{m[2]}:{m[3]}"


def reachable(address: str, seconds: float) -> bool:
    """Whether something accepts TCP connections at `address`, trying until `seconds` have passed."""
    host, port = address.split("://")[1].rsplit(":", 1)
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=max(0.1, min(5.0, seconds))):
                return True
        except OSError:
            if time.monotonic() + 0.5 > deadline:
                return False
            time.sleep(0.5)


def task_key(job: dict) -> str:
    """The same job (student, cells, limits) always has the same key, in every run of every
    coordinator: a task still running for a coordinator that died can be handed to the next one.
    Keys that share the prefix 'grade' are one task group, which the scheduler queues and hands
    out as nodes have room."""
    digest = hashlib.sha256(json.dumps(job, sort_keys=True).encode()).hexdigest()[:16]
    return f"grade-{digest}-{job['id']}"


# --- the coordinator -----------------------------------------------------------------------
class Cluster:
    """The coordinator's side: a Pool-like `run` whose workers are the nodes of a Dask scheduler."""

    def __init__(self, address: str, echo: Callable = print) -> None:
        address = parse_address(address)
        unreachable = (f"cannot reach the grading scheduler at {address}: start it with "
                       "./course.sh scheduler, or check the address")
        if not reachable(address, 2):  # a closed port is said at once; a scheduler is up before grading
            raise CourseError(unreachable)
        from distributed import Client

        try:
            self.client = Client(address, timeout=30, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise CourseError(f"{unreachable} ({e})") from None
        self.address = address
        try:
            self.client.wait_for_workers(1, timeout=NODE_WAIT_SECONDS)
        except TimeoutError:
            self.client.close()
            raise CourseError(f"no grading node joined the scheduler at {address} in {NODE_WAIT_SECONDS:g} s: "
                              f"start one with ./course.sh node {address}") from None
        slots = self.client.nthreads()
        echo(f"  grading on the Dask scheduler at {address}: {len(slots)} nodes, "
             f"{sum(slots.values())} sandboxed workers")

    def nodes(self) -> int:
        """How many nodes the scheduler has now (none if it cannot be asked)."""
        try:
            return len(self.client.nthreads())
        except (OSError, TimeoutError):
            return 0

    def run(self, subs: Iterable[Submission]) -> Iterable[tuple[Submission, dict]]:
        """Yield (submission, result) once per submission graded, in the order they finish; then
        raise CourseError naming those that could not be graded (their nodes died too often, or no
        node was left), so that the same command run again grades them.

        Each submission is sent as soon as `subs` yields it (restored), and results that came
        back meanwhile are yielded between two sends: the nodes start on the first submission."""
        from distributed import wait

        by_key: dict[str, Submission] = {}
        pending, lost, alone_since = set(), [], None
        came_back: queue.SimpleQueue = queue.SimpleQueue()  # filled by the client's thread

        def finished(done) -> Iterable[tuple[Submission, dict]]:
            for future in done:
                sub = by_key[future.key]
                if future.status == "finished":
                    result = read_result(future.result(), job_id(sub))
                    yield sub, result if result is not None else {
                        "error": "the grading node sent a result that is not this submission's; it was not graded"}
                else:
                    lost.append((sub, _why_not(future)))
                future.release()

        for sub in subs:
            job = json.loads(json.dumps(sub.job()))  # plain data, nothing else, goes to a node
            by_key[task_key(job)] = sub
            future = self.client.submit(grade_job, job, key=task_key(job), retries=0)
            future.add_done_callback(came_back.put)
            pending.add(future)
            while not came_back.empty():
                done = came_back.get()
                pending.discard(done)
                yield from finished([done])
        while pending:
            try:  # as_completed has no timeout: waiting 5 s at a time lets us notice no node is left
                with self.client.as_current():
                    done, pending = wait(pending, timeout=5, return_when="FIRST_COMPLETED")
            except TimeoutError:
                alone_since = None if self.nodes() else alone_since or time.monotonic()
                if alone_since and time.monotonic() - alone_since > NODE_WAIT_SECONDS:
                    lost += [(by_key[f.key], f"no grading node was connected for {NODE_WAIT_SECONDS:g} s")
                             for f in pending]
                    break
                continue
            yield from finished(done)
        if lost:
            names = ", ".join(job_id(s) for s, _ in lost[:5]) + (" and others" if len(lost) > 5 else "")
            raise CourseError(f"{len(lost)} submissions were not graded ({names}: {lost[0][1]}); "
                              "run the same command again to grade them")

    def close(self) -> None:
        self.client.close()


def _why_not(future) -> str:
    from distributed import KilledWorker

    try:
        error = future.exception(timeout=10)
    except Exception as e:  # noqa: BLE001 - cancelled, or the scheduler went away
        return f"the scheduler dropped the task ({type(e).__name__})"
    if isinstance(error, KilledWorker):
        return "the nodes grading it died; the scheduler gives up on a task after allowed-failures deaths"
    return f"{type(error).__name__}: {error}"


# --- a node ----------------------------------------------------------------------------------
_JOBS: "queue.Queue | None" = None  # (job, reply) for this node's slots; None outside ./course.sh node


def grade_job(job: dict) -> bytes:
    """The Dask task, run in a node: grade one job in the node's sandbox; the result line (JSON)."""
    if _JOBS is None:
        raise RuntimeError("this Dask worker has no grading sandbox: start nodes with ./course.sh node ADDRESS")
    reply: queue.Queue = queue.Queue(1)
    _JOBS.put((job, reply))
    answer = reply.get()
    if isinstance(answer, BaseException):
        raise answer
    return answer


@dataclass
class _Received(Submission):
    """A job as a node receives it: sent to the node's worker exactly as the coordinator made it."""

    sent: dict = field(default_factory=dict)

    def job(self) -> dict:
        return self.sent


def _slot(pool: Pool, jobs: queue.Queue) -> None:
    """One slot of a node: a thread that owns a pool of one sandboxed worker for the node's life
    (bubblewrap's --die-with-parent follows the thread that started it, so this thread starts its
    replacements too)."""
    while True:
        job, reply = jobs.get()
        student, _, notebook = job["id"].partition("/")
        try:
            [(_, result)] = list(pool.run([_Received(student, "", notebook, Path("."), sent=job)]))
            reply.put(json.dumps({**result, "id": job["id"]}).encode())
        except BaseException as e:  # noqa: BLE001 - the task fails with it; the node goes on
            reply.put(e)


def _claim_slots(n: int) -> list:
    """n slot numbers no other node on this machine holds (a lock file each, freed when the node
    dies): each slot's students get a uid of their own, as each local worker's do."""
    folder = Path(tempfile.gettempdir()) / f"autograder-slots-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    held = []
    for k in SLOTS:
        lock = open(folder / f"{k}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        held.append((k, lock))
        if len(held) == n:
            return held
    raise CourseError(f"this machine already runs {len(SLOTS) - len(held)} grading slots of nodes, "
                      f"and {n} more do not fit: stop a node, or start this one with fewer --nthreads")


def serve_node(address: str, nthreads: int | None = None, timeout: float = 60, name: str | None = None,
               log: Path | None = None, echo: Callable = print) -> int:
    """Run a node until the scheduler goes away or the node is stopped (SIGTERM, Ctrl-C)."""
    global _JOBS
    address = parse_address(address)
    if not reachable(address, timeout):
        raise CourseError(f"this node cannot reach the grading scheduler at {address} (tried for {timeout:g} s): "
                          "start it with ./course.sh scheduler on that machine, or check the address and firewall")
    n = nthreads or os.cpu_count() or 1
    log = log or ROOT / "build" / "logs" / "node.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    slots = _claim_slots(n)
    pools = [Pool(1, log, first=k) for k, _ in slots]  # started here, in the main thread
    _JOBS = queue.Queue()
    for pool in pools:
        threading.Thread(target=_slot, args=(pool, _JOBS), daemon=True).start()
    echo(f"node: {n} sandboxed workers ready ({sandbox_mode()[0]} mode, log {log}); joining {address}")
    try:
        return asyncio.run(_run_worker(address, n, timeout, name, echo))
    finally:
        for pool in pools:
            pool.close()


async def _run_worker(address: str, n: int, timeout: float, name: str | None, echo: Callable) -> int:
    from distributed import Worker

    stopping = False
    try:
        worker = await Worker(address, nthreads=n, name=name, death_timeout=timeout, dashboard=False)
    except (OSError, TimeoutError) as e:
        raise CourseError(f"this node could not join the grading scheduler at {address} ({e}): "
                          "is that address a Dask scheduler started with ./course.sh scheduler?") from None

    def stop() -> None:
        nonlocal stopping
        stopping = True
        asyncio.ensure_future(worker.close(reason="node stopped"))

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    await worker.finished()
    if stopping:
        echo("node: stopped")
        return 0
    echo(f"node: the scheduler at {address} closed the connection; this node stopped")
    return 1


# --- a cluster on this machine, for the tests and the benchmarks ------------------------------
class CourseProcess:
    """A ./course.sh command in a process group of its own, its output in a file. It is killed when
    the thread that started it ends, however that ends (util-linux's setpriv sets the parent-death
    signal, which course.sh and the Python it execs keep): a test or benchmark killed outright
    leaves no scheduler or node behind. So start it from a thread that outlives it (the main one)."""

    def __init__(self, args: list[str], out: Path, env: dict | None = None, cwd: Path | None = None) -> None:
        import subprocess

        self.out = out
        with open(out, "ab") as f:
            self.popen = subprocess.Popen(["setpriv", "--pdeathsig", "KILL", "--", str(ROOT / "course.sh"), *args],
                                          stdout=f, stderr=subprocess.STDOUT,
                                          cwd=cwd, env={**os.environ, **(env or {})}, start_new_session=True)

    def kill(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)


class LocalCluster:
    """A scheduler on a free loopback port and `nodes` nodes of one sandboxed worker each, started
    with ./course.sh as an instructor starts them, without waiting for the nodes: `ready` waits
    until every living node has joined. `env` reaches the scheduler (e.g. Dask's config)."""

    def __init__(self, logs: Path, nodes: int, env: dict | None = None) -> None:
        from .postgres import free_port

        logs.mkdir(parents=True, exist_ok=True)
        self.logs, self.nodes = logs, []
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.scheduler = CourseProcess(["scheduler", "--port", self.address.rsplit(":", 1)[1]],
                                       logs / "scheduler.log", env)
        if not reachable(self.address, 120):
            self.close()
            raise CourseError(f"the scheduler did not start: see {logs / 'scheduler.log'}")
        for _ in range(nodes):
            self.start_node()

    def start_node(self) -> None:
        k = len(self.nodes)
        self.nodes.append(CourseProcess(["node", self.address, "--nthreads", "1", "--name", f"node-{k}",
                                         "--log", str(self.logs / f"node-{k}-workers.log")],
                                        self.logs / f"node-{k}.log"))

    def ready(self) -> "LocalCluster":
        from distributed import Client

        alive = [p for p in self.nodes if p.popen.poll() is None]
        with Client(self.address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(len(alive), timeout=300)
        return self

    def close(self) -> None:
        for p in self.nodes + [self.scheduler]:
            p.kill()
