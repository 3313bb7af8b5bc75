"""The grading engine: a whole class, sandboxed, in parallel, into nbgrader's gradebook.

The path of one submission, top to bottom:

1. read `submitted/<student>/<assignment>/<notebook>.ipynb` (unreadable: zero, with the reason);
2. restore it with nbgrader's own sanitizing steps (ClearOutput, DeduplicateIds,
   OverwriteKernelspec, OverwriteCells, CheckCellMetadata): every instructor cell, hidden
   tests included, comes from the gradebook, never from the submission;
3. run it in a sandboxed worker (autograder.sandbox): student cells in a student process,
   test cells in the trusted runner;
4. put the outputs into the restored notebook and record it with nbgrader's own steps
   (LimitOutput, SaveAutoGrades, AssignLatePenalties): `autograded/` and the gradebook.

Workers run in parallel; only this process writes the gradebook. Grading is idempotent: the
same submissions give the same notebooks and scores, run after run.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import fcntl
import functools
import itertools
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import jsonschema
import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from . import outcomes
from .errors import CourseError
from .report import Progress
from .notebooks import ROOT
from .sandbox import bwrap_command

WORKER_START_SECONDS = 180
STUDENT_UID_BASE = 61000  # worker k's students run as uid 61000 + k (no such user exists)


def limits() -> dict[str, float]:
    """Overrides of autograder.sandbox.LIMITS from the environment (AUTOGRADER_CASE_SECONDS=5)."""
    return {key: float(os.environ[f"AUTOGRADER_{key.upper()}"])
            for key in ("case_seconds", "cell_seconds", "wall_factor") if os.environ.get(f"AUTOGRADER_{key.upper()}")}
JOB_SECONDS = 900


@dataclass
class Submission:
    student: str
    assignment: str
    notebook: str           # notebook id (file name without .ipynb)
    path: Path
    nb: object = None       # the restored notebook
    reason: str = ""        # why it scores zero without running, if it does
    scores: dict = field(default_factory=dict)
    seconds: float = 0.0
    oracle_requests: int = 0      # black-box requests its runner answered (autograder.student.oracles)
    oracle_seconds: float = 0.0   # and the runner's time answering them

    def job(self) -> dict:
        """What a worker is sent, as plain data: the restored cells, the student (who seeds the
        hidden cases) and the limits. A cluster node receives exactly this (autograder.cluster)."""
        return {"id": job_id(self), "student": self.student,
                "cells": [dict(cell) for cell in self.nb.cells], "limits": limits()}


# --- nbgrader configuration and steps ---------------------------------------------------
def load_config(root: Path):
    """nbgrader's configuration for the course at `root` (its nbgrader_config.py)."""
    from nbgrader.apps.baseapp import NbGrader

    old = os.getcwd()
    os.chdir(root)
    try:
        app = NbGrader()
        app.load_config_file()
        config = app.config
    finally:
        os.chdir(old)
    config.CourseDirectory.root = str(root)
    return config


_original_alembic_version: Callable[[], str] | None = None


def require_course_root(root: Path, doing: str) -> None:
    """One sentence when `root` is not an nbgrader course (what `doing` was, and what to do)."""
    if not (root / "nbgrader_config.py").is_file():
        raise CourseError(f"{doing}: {root} is not an nbgrader course root "
                          "(no nbgrader_config.py): run it from the course folder, or pass --root with it")


def gradebook_url(root: Path, config=None) -> str:
    """The course's gradebook: nbgrader_config.py's CourseDirectory.db_url, or gradebook.db in root."""
    config = config if config is not None else load_config(root)
    if "db_url" in config.CourseDirectory:
        return config.CourseDirectory.db_url
    return f"sqlite:///{root / 'gradebook.db'}"


def shown_url(db_url: str) -> str:
    """The gradebook's URL as it may be printed: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse: hide what looks like a password
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", db_url)


# Drivers SQLAlchemy may ask for; the course installs psycopg (3) for PostgreSQL, and SQLite's is built in.
DATABASE_DRIVERS = {"psycopg2", "pg8000", "asyncpg", "MySQLdb", "pymysql", "oracledb", "cx_Oracle", "pyodbc"}


@contextlib.contextmanager
def reaching_gradebook(db_url: str):
    """Around every use of the gradebook: a database that cannot be reached or used (server down,
    wrong password, unknown host or database, a URL SQLAlchemy cannot open) ends in one sentence
    naming the URL without its password and what to do, never in a SQLAlchemy traceback."""
    fix = "nbgrader_config.py (c.CourseDirectory.db_url)"
    url = shown_url(db_url)
    try:
        yield
    except (OperationalError, InterfaceError) as e:
        why = _first_line(e.orig or e, db_url).removeprefix("connection failed: ").replace("FATAL:  ", "")
        raise CourseError(f"the gradebook {url} cannot be reached ({why}): start its database server, or correct "
                          f"its user, password, host, port or database name in {fix}") from None
    except ArgumentError as e:
        raise CourseError(f"the gradebook URL {url} cannot be opened by SQLAlchemy ({_first_line(e, db_url)}): "
                          f"correct {fix}, e.g. postgresql+psycopg://user:password@host:5432/dbname") from None
    except ModuleNotFoundError as e:
        if e.name not in DATABASE_DRIVERS:
            raise
        raise CourseError(f"the gradebook URL {url} asks for the database driver {e.name}, which the course does "
                          f"not install: for PostgreSQL write postgresql+psycopg://... in {fix}") from None


def _first_line(error: BaseException, db_url: str) -> str:
    """An error's first line, with the gradebook's password (if it quotes it) hidden."""
    from sqlalchemy.engine import make_url

    line = next((ln.strip() for ln in str(error).splitlines() if ln.strip()), type(error).__name__)
    with contextlib.suppress(Exception):
        password = make_url(db_url).password
        if password:
            line = line.replace(str(password), "***")
    return line


@functools.cache
def _cached_alembic_version() -> str:
    return _original_alembic_version()


_ENGINES: dict[tuple, object] = {}


def _shared_engine(url, **kwargs):
    """One SQLAlchemy engine per gradebook URL for every Gradebook this process opens.

    nbgrader opens a Gradebook (so an engine) in each of its steps, five per submission, and an
    engine's compiled-statement cache dies with it: every query was compiled again. A shared
    engine keeps that cache; `Gradebook.close` still disposes its connections as before."""
    key = (str(url), tuple(sorted(kwargs.items())))
    if key not in _ENGINES:
        _ENGINES[key] = _original_create_engine(url, **kwargs)
    return _ENGINES[key]


_original_create_all: Callable | None = None  # nbgrader's Base.metadata.create_all


def _create_missing_tables(bind=None, tables=None, checkfirst=True) -> None:
    """nbgrader's `Base.metadata.create_all`, which each Gradebook calls on opening, asked first
    with one query whether every table is there already: SQLAlchemy's own check asks once per
    table (13 queries); ~0.7 ms less per Gradebook, and nbgrader opens ~6 per submission."""
    from nbgrader import api
    from sqlalchemy import inspect

    wanted = api.Base.metadata.tables if tables is None else {t.name for t in tables}
    if checkfirst and bind is not None and set(wanted) <= set(inspect(bind).get_table_names()):
        return
    _original_create_all(bind=bind, tables=tables, checkfirst=checkfirst)


class _OneSchemaCheck:
    """`jsonschema` as nbgrader's cell-metadata check uses it (`validate`, `ValidationError`),
    with each schema checked and its validator built once instead of once per cell: the same
    verdict as `jsonschema.validate` (the best-matching error is raised), ~5x cheaper."""

    ValidationError = jsonschema.ValidationError
    _validators: dict[int, tuple] = {}

    @classmethod
    def validate(cls, instance, schema) -> None:
        held = cls._validators.get(id(schema))
        if held is None or held[0] is not schema:
            kind = jsonschema.validators.validator_for(schema)
            kind.check_schema(schema)
            held = cls._validators[id(schema)] = (schema, kind(schema))
        error = jsonschema.exceptions.best_match(held[1].iter_errors(instance))
        if error is not None:
            raise error


def _speed_up_gradebook() -> None:
    """Take out of this process's restore and record what nbgrader repeats per submission
    without need: `alembic heads` run in a subprocess for every Gradebook it opens (asked once
    here), a new SQLAlchemy engine per Gradebook, 13 queries per Gradebook asking whether each
    table exists, and a schema check per cell. ~75 ms of the coordinator's time per submission
    become ~40 ms (benchmarks/grading_speed.py: restore, record)."""
    from nbgrader import api
    from nbgrader.nbgraderformat import common

    global _original_alembic_version, _original_create_engine, _original_create_all
    if api.get_alembic_version is not _cached_alembic_version:
        _original_alembic_version = api.get_alembic_version
        api.get_alembic_version = _cached_alembic_version
    if api.create_engine is not _shared_engine:
        _original_create_engine = api.create_engine
        api.create_engine = _shared_engine
    common.jsonschema = _OneSchemaCheck
    if api.Base.metadata.create_all is not _create_missing_tables:
        _original_create_all = api.Base.metadata.create_all
        api.Base.metadata.create_all = _create_missing_tables
    bindir = os.path.dirname(sys.executable)  # `alembic` must be found on PATH
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def _steps(config, names: Iterable[str]) -> list:
    from nbgrader import preprocessors

    return [(OWN_STEPS.get(name) or getattr(preprocessors, name))(config=config) for name in names]


class _OneCommit(NbGraderPreprocessor):
    """Placed after SaveAutoGrades in a subclass's MRO, so SaveAutoGrades's own `preprocess` calls
    it with the gradebook open: the cells' commits only flush, and one commit follows them."""

    def preprocess(self, nb, resources):
        session = self.gradebook.db
        session.commit = session.flush
        try:
            nb, resources = super().preprocess(nb, resources)
        finally:
            del session.commit
        session.commit()
        return nb, resources


class SaveAutoGradesAtOnce(SaveAutoGrades, _OneCommit):
    """nbgrader's SaveAutoGrades with one commit per notebook instead of one per cell: the same
    rows, written all at once or (an error midway) not at all, and ~2 fewer journal writes and
    fsyncs per cell in the coordinator (benchmarks/grading_speed.py: record, 44 -> 32 ms)."""


OWN_STEPS = {"SaveAutoGrades": SaveAutoGradesAtOnce}  # used by `_steps` instead of nbgrader's own


SANITIZE = ["ClearOutput", "DeduplicateIds", "OverwriteKernelspec", "OverwriteCells", "CheckCellMetadata"]
# nbgrader checks cell metadata again after autograding; here every cell's metadata was checked
# by `restore` (or built from the gradebook for a zero) and nothing since touches it, so the check,
# a jsonschema pass over every cell (~0.1 s per submission in this one process), is not repeated.
RECORD = ["LimitOutput", "SaveAutoGrades", "AssignLatePenalties"]


def _resources(sub: Submission, db_url: str) -> dict:
    return {"unique_key": sub.notebook, "output_files_dir": f"{sub.notebook}_files",
            "nbgrader": {"student": sub.student, "assignment": sub.assignment,
                         "notebook": sub.notebook, "db_url": db_url}}


# --- workers -------------------------------------------------------------------------------
SUBUID_UNSHARE = "unshare"  # util-linux 2.38+: maps subordinate uids with newuidmap


@functools.cache
def sandbox_mode() -> tuple[str, list[str]]:
    """How workers isolate student processes on this machine: (mode, command prefix).

    - "root": the engine runs as root; each worker's students get an unprivileged uid of their own.
    - "subuid": not root, but the user has subordinate uids (/etc/subuid, newuidmap): each worker
      runs as root of a user namespace of them, and its students as one of those uids, as with root.
    - "userns": not root, no subordinate uids: students run as the user's own uid, in user
      namespaces of their own without any capability.
    AUTOGRADER_SANDBOX=userns (or subuid) picks a mode that the machine also offers.
    """
    wanted = os.environ.get("AUTOGRADER_SANDBOX", "")
    if os.geteuid() == 0:
        return "root", []
    _check_user_namespaces()
    if wanted != "userns":
        subuid = _subordinate_ids()
        if subuid:
            (uids, nuids), (gids, ngids) = subuid
            prefix = [SUBUID_UNSHARE, "--map-root-user", f"--map-users={uids},1,{nuids}",
                      f"--map-groups={gids},1,{ngids}", "--"]
            probe = subprocess.run(prefix + ["true"], capture_output=True, text=True)
            if probe.returncode == 0:
                return "subuid", prefix
            if wanted == "subuid":
                raise CourseError(f"subordinate uids did not work: {probe.stderr.strip()}")
    if wanted == "subuid":
        raise CourseError("AUTOGRADER_SANDBOX=subuid, but this user has no subordinate uids "
                          "(/etc/subuid) or newuidmap is missing (apt-get install uidmap)")
    return "userns", []


def _subordinate_ids() -> tuple[tuple[int, int], tuple[int, int]] | None:
    """This user's subordinate uid and gid ranges, if both exist, are large enough for the
    workers' student uids, and util-linux's unshare can map them with newuidmap/newgidmap."""
    import pwd

    names = {str(os.getuid()), pwd.getpwuid(os.getuid()).pw_name}
    uids, gids = subordinate_range("/etc/subuid", names), subordinate_range("/etc/subgid", names)
    if not (uids and gids and shutil.which("newuidmap") and shutil.which("newgidmap")):
        return None
    if min(uids[1], gids[1]) < STUDENT_UID_BASE + 256:
        return None
    usage = subprocess.run([SUBUID_UNSHARE, "--help"], capture_output=True, text=True).stdout
    return (uids, gids) if "--map-users" in usage else None


def subordinate_range(path: str, names: set[str]) -> tuple[int, int] | None:
    """The first (start, count) that /etc/subuid or /etc/subgid gives one of `names` (user name or id)."""
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            parts = line.strip().split(":")
            if len(parts) == 3 and parts[0] in names and parts[1].isdigit() and parts[2].isdigit():
                return int(parts[1]), int(parts[2])
    return None


def _check_user_namespaces() -> None:
    """Without root the sandbox needs unprivileged user namespaces: say so if the kernel forbids them."""
    if not shutil.which("bwrap"):
        return  # Worker says how to install it
    probe = subprocess.run(["bwrap", "--unshare-user", "--ro-bind", "/", "/", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise CourseError("this kernel does not let an ordinary user create user namespaces, which the grading "
                          f"sandbox needs without root ({probe.stderr.strip()}): an administrator can enable them "
                          "(`sysctl user.max_user_namespaces=15000`, and `kernel.unprivileged_userns_clone=1` on "
                          "older Debian or `kernel.apparmor_restrict_unprivileged_userns=0` on Ubuntu 24.04), "
                          "or grade as root")


class Worker:
    """One worker inside bubblewrap (autograder.student.worker), started the way `sandbox_mode` says."""

    uid_lock: "_UidLock | None" = None  # the student uid it holds (none in userns mode)

    def __init__(self, log: Path, index: int = 0) -> None:
        if not shutil.which("bwrap"):
            raise CourseError("bubblewrap is not installed: run `sudo apt-get install bubblewrap` "
                              "(./course.sh does this when it runs as root)")
        mode, prefix = sandbox_mode()
        venv = Path(sys.prefix)
        extra = sorted({str(venv), str(Path(sys.base_prefix).resolve()), str(Path(sys.base_prefix))})
        # userns: the worker's students count processes in a user namespace of their own
        self.uid_lock = None if mode == "userns" else claim_student_uid(index)
        cmd = bwrap_command(os.path.normpath(os.path.abspath(sys.executable)), ROOT / "autograder", extra,
                            student_uid=None if self.uid_lock is None else self.uid_lock.uid)
        if mode != "root":
            prefix = ["nice", "-n", "10"] + prefix  # the instructor's own session keeps the CPU it asks for
        self.index = index
        self.log = open(log, "ab")
        try:
            self.proc = subprocess.Popen(prefix + cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.log, start_new_session=True)
        except BaseException:
            if self.uid_lock is not None:
                self.uid_lock.release()
            raise
        self.job: Submission | None = None
        self.started = 0.0

    def wait_ready(self, seconds: float = WORKER_START_SECONDS) -> None:
        line = _readline(self.proc.stdout, seconds)
        said = json.loads(line) if line.startswith(b"{") else {}
        if not said.get("ready"):
            why = said.get("error") or f"see {self.log.name}"
            raise CourseError(f"a grading worker did not start ({sandbox_mode()[0]} sandbox): {why}")

    def send(self, sub: Submission) -> None:
        self.job, self.started = sub, time.monotonic()
        self.proc.stdin.write((json.dumps(sub.job()) + "\n").encode())
        self.proc.stdin.flush()

    def stop(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - stopping: make sure it is gone
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        if self.uid_lock is not None:
            self.uid_lock.release()


class _UidLock:
    """A student uid this process's worker holds: no other worker on the machine gets it meanwhile."""

    def __init__(self, uid: int, fd: int) -> None:
        self.uid, self.fd = uid, fd

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # the kernel drops the lock with it, as it does when the process dies
            self.fd = -1


def claim_student_uid(index: int) -> _UidLock:
    """The first uid from STUDENT_UID_BASE + index that no running worker on this machine holds.

    The kernel's process limit (LIMITS["processes"]) counts per uid, so two workers whose
    students shared one (two grading runs at once, the demo beside a test, a cluster node
    beside local grading) would let one student's fork bomb leave the other's honest student
    without a process or thread to start. Local workers take uids from + 0 to + 127, nodes'
    slots from + 128 to + 255 (autograder.cluster.SLOTS); an flock per uid, held while the
    worker lives, keeps them apart whichever process started them.
    """
    end = 128 if index < 128 else 256
    folder = Path("/run/lock" if os.access("/run/lock", os.W_OK) else tempfile.gettempdir()) / \
        f"autograder-student-uids-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    for k in range(index, end):
        fd = os.open(folder / str(STUDENT_UID_BASE + k), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return _UidLock(STUDENT_UID_BASE + k, fd)
    raise CourseError(f"every student uid from {STUDENT_UID_BASE + index} to {STUDENT_UID_BASE + end - 1} is held "
                      f"by a grading worker already running on this machine (locks in {folder}): wait for a run to end")


def _readline(stream, seconds: float) -> bytes:
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    ready = sel.select(seconds)
    sel.close()
    return stream.readline() if ready else b""


def job_id(sub: Submission) -> str:
    return f"{sub.student}/{sub.notebook}"


def read_result(line: bytes, expected_id: str | None) -> dict | None:
    """A worker's result line if it is well formed and answers `expected_id`, else None.

    The runner is the only writer of a worker's result pipe, but nothing read from it is
    trusted: any other bytes (not JSON, another job's id, outputs of the wrong shape) are
    refused, and the engine replaces that worker.
    """
    try:
        result = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(result, dict) or expected_id is None or result.get("id") != expected_id:
        return None
    if "error" in result:
        return result if isinstance(result["error"], str) else None
    outputs = result.get("outputs")
    if not isinstance(outputs, dict) or not all(isinstance(result.get(k, 0), (int, float)) for k in
                                                ("seconds", "oracle_requests", "oracle_seconds")):
        return None
    causes = result.get("causes", [])
    if not isinstance(causes, list) or not all(
            isinstance(c, dict) and all(isinstance(c.get(k), str) for k in ("question", "stream", "case", "problem"))
            for c in causes):
        return None
    for key, cell_outputs in outputs.items():
        if not key.isdigit() or not isinstance(cell_outputs, list):
            return None
        for out in cell_outputs:
            if not _well_formed_output(out):
                return None
    return result


def _well_formed_output(out: object) -> bool:
    if not isinstance(out, dict):
        return False
    kind = out.get("output_type")
    if kind == "stream":
        return out.get("name") in ("stdout", "stderr") and isinstance(out.get("text"), str)
    if kind == "error":
        return (isinstance(out.get("ename"), str) and isinstance(out.get("evalue"), str)
                and isinstance(out.get("traceback"), list) and all(isinstance(t, str) for t in out["traceback"]))
    return False


MAX_ATTEMPTS = 2  # a job whose worker broke is graded once more on a fresh worker, then zeroed


class Pool:
    """Workers running jobs in parallel; a worker that dies, hangs or sends anything but its job's result is replaced."""

    def __init__(self, n: int, log: Path, first: int = 0) -> None:
        """`first`: the index of the first worker (its students' uid is STUDENT_UID_BASE + index).

        The workers start here (each imports TensorFlow) and are waited for in `run`, so the
        caller can restore submissions meanwhile."""
        self.log = log
        self.workers = [Worker(log, first + k) for k in range(n)]
        self.unready = list(self.workers)

    def run(self, subs: Iterable[Submission]) -> Iterable[tuple[Submission, dict]]:
        """Yield (submission, result) once per submission, in the order they finish.

        `subs` is read lazily, one submission each time a worker is free: a generator that
        restores submissions as it yields them keeps the workers busy from the first one."""
        fresh = iter(subs)
        # queued: the first job of each worker (restored while the workers import TensorFlow),
        # then the jobs of broken workers, sent before fresh ones
        queued = list(itertools.islice(fresh, len(self.workers)))
        for w in self.workers:  # a worker replaced meanwhile is not waited for
            if w in self.unready:
                w.wait_ready()
        self.unready = []
        attempts: dict[int, int] = {}
        sel = selectors.DefaultSelector()
        for w in self.workers:
            sel.register(w.proc.stdout, selectors.EVENT_READ, w)

        def start(w: Worker) -> None:
            sub = queued.pop(0) if queued else next(fresh, None)
            if sub is not None:
                attempts[id(sub)] = attempts.get(id(sub), 0) + 1
                with contextlib.suppress(OSError):  # a worker that died: its end of file replaces it
                    w.send(sub)

        def broken(w: Worker, why: str) -> Iterable[tuple[Submission, dict]]:
            sub, w.job = w.job, None
            sel.unregister(w.proc.stdout)
            new = self._replace(w)
            sel.register(new.proc.stdout, selectors.EVENT_READ, new)
            if sub is not None:
                if attempts[id(sub)] < MAX_ATTEMPTS:
                    queued.append(sub)
                else:
                    yield sub, {"error": why}
            start(new)

        for w in self.workers:
            start(w)
        while any(w.job for w in self.workers):
            for key, _ in sel.select(timeout=5):
                w = key.data
                line = w.proc.stdout.readline()
                if not line:
                    yield from broken(w, "the grading worker stopped; this submission was not graded")
                    continue
                result = read_result(line, job_id(w.job) if w.job else None)
                if result is None:
                    yield from broken(w, "the grading worker sent a result that is not this "
                                         "submission's; it was not graded")
                    continue
                sub, w.job = w.job, None
                start(w)  # its next job runs while the caller records this one
                yield sub, result
            for w in list(self.workers):  # a job that never ends: replace its worker
                if w.job and time.monotonic() - w.started > JOB_SECONDS:
                    attempts[id(w.job)] = MAX_ATTEMPTS
                    yield from broken(w, f"grading took longer than {JOB_SECONDS} s and was stopped")
        sel.close()

    def _replace(self, w: Worker) -> Worker:
        w.proc.kill()
        w.stop()
        new = Worker(self.log, w.index)
        new.wait_ready()
        self.workers[self.workers.index(w)] = new
        return new

    def close(self) -> None:
        for w in self.workers:
            w.stop()


# --- nbgrader's own autograde (CLI and formgrader) through the sandbox ----------------------
class SandboxedExecute(NbGraderPreprocessor):
    """nbgrader's Execute step, replaced (nbgrader_config.py): the notebook runs in the engine's sandbox.

    `nbgrader autograde` and the formgrader's Autograde button keep every other step of theirs
    (sanitizing, saving grades, late penalties); only running the student's code changes. One
    worker serves the whole nbgrader run, in the same sandbox mode as `./course.sh grade`.
    """

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        sub = Submission(info.get("student", "student"), info.get("assignment", "assignment"),
                         info.get("notebook", "notebook"), Path(resources.get("metadata", {}).get("path", ".")), nb=nb)
        [(_, result)] = list(_autograde_pool(self.config).run([sub]))
        if result.get("error"):
            self.log.error("%s: %s", job_id(sub), result["error"])
        fill_outputs(nb, result.get("outputs", {}), result.get("error"))
        return nb, resources


_POOL: "Pool | None" = None


def _autograde_pool(config) -> "Pool":
    global _POOL
    if _POOL is None:
        root = Path(config.CourseDirectory.root if "root" in config.CourseDirectory else os.getcwd())
        log = root / "logs" / "engine.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        _POOL = Pool(1, log)
        atexit.register(_POOL.close)
    return _POOL


# --- the whole run -------------------------------------------------------------------------
def find_submissions(root: Path, assignment: str, notebooks: list[str],
                     students: list[str] | None) -> tuple[list[Submission], list[str]]:
    """Every (student, notebook) to grade, and warnings about files that do not fit the layout."""
    base = root / "submitted"
    if not base.is_dir():
        raise CourseError(f"{base} does not exist: submissions go in submitted/<student>/{assignment}/")
    subs, warnings = [], []
    for student_dir in sorted(p for p in base.iterdir() if not p.name.startswith(".")):
        sid = student_dir.name
        if students and sid not in students:
            continue
        if not student_dir.is_dir():
            warnings.append(f"{student_dir}: not a folder; submissions go in submitted/<student>/{assignment}/")
            continue
        folder = student_dir / assignment
        if not folder.exists():
            continue
        if not folder.is_dir():
            warnings.append(f"{folder}: not a folder; expected {folder}/<notebook>.ipynb")
            continue
        for nb in notebooks:
            subs.append(Submission(sid, assignment, nb, folder / f"{nb}.ipynb"))
    if students:
        found = {s.student for s in subs}
        for sid in students:
            if sid not in found:
                raise CourseError(f"{base / sid / assignment} does not exist: no submission of "
                                  f"{assignment} by {sid}")
    return subs, warnings


def restore(sub: Submission, config, db_url: str, known_ids: set[str]) -> None:
    """Read and restore one submission; on failure set `reason` (the file is never changed)."""
    if not sub.path.exists():
        sub.reason = f"{sub.path.name} is missing from the submission"
        return
    try:
        nb = nbformat.read(str(sub.path), as_version=4)
    except Exception as e:  # noqa: BLE001 - any unreadable file gets the same treatment
        sub.reason = f"{sub.path.name} is not a readable notebook ({type(e).__name__}: {str(e)[:120]})"
        return
    seen: set[str] = set()
    for cell in nb.cells:  # a cell claiming an unknown or repeated id is the student's own
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if "nbgrader" in cell.get("metadata", {}) and (grade_id not in known_ids or grade_id in seen):
            del cell.metadata["nbgrader"]
        seen.add(grade_id)
    resources = _resources(sub, db_url)
    try:
        for step in _steps(config, SANITIZE):
            nb, resources = step.preprocess(nb, resources)
    except (OperationalError, InterfaceError):
        raise  # the gradebook, not the submission, failed: reaching_gradebook says so
    except Exception as e:  # noqa: BLE001
        sub.reason = f"{sub.path.name} could not be restored from the source ({type(e).__name__}: {str(e)[:160]})"
        return
    sub.nb = nb


def record(sub: Submission, result: dict, config, db_url: str, root: Path) -> None:
    """Write autograded/<student>/<assignment>/<notebook>.ipynb and the scores, with nbgrader's steps."""
    from nbgrader.api import Gradebook

    dest = root / "autograded" / sub.student / sub.assignment
    dest.mkdir(parents=True, exist_ok=True)
    stamp = sub.path.parent / "timestamp.txt"
    timestamp = stamp.read_text().strip() if stamp.exists() else None
    with Gradebook(db_url) as gb:
        gb.update_or_create_student(sub.student)
        if timestamp:
            gb.update_or_create_submission(sub.assignment, sub.student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(sub.assignment, sub.student)
    # timestamp.txt for late penalties; submission_secret.txt (written by `nbgrader submit`) is how
    # `nbgrader release_feedback` addresses feedback to the student's own submission.
    for name in ("timestamp.txt", "submission_secret.txt"):
        if (sub.path.parent / name).exists():
            shutil.copy(sub.path.parent / name, dest / name)
    if sub.nb is None:  # nothing to run: every grade cell scores zero, the reason is recorded
        sub.nb = _zero_notebook(sub, db_url)
        result = {"outputs": {}}
    nb = copy.deepcopy(sub.nb)
    fill_outputs(nb, result.get("outputs", {}), sub.reason or result.get("error"))
    resources = _resources(sub, db_url)
    for step in _steps(config, RECORD):
        nb, resources = step.preprocess(nb, resources)
    seen_ids: set[str] = set()
    for index, cell in enumerate(nb.cells):  # ids for restored cells; deterministic, so re-grading rewrites the same file
        if not cell.get("id") or cell["id"] in seen_ids:
            cell["id"] = f"cell-{index}"
        seen_ids.add(cell["id"])
    sub.scores = _scores(nb)
    outcomes.store(db_url, sub.assignment, sub.student, sub.notebook, result.get("seconds", 0.0),
                   sub.reason or result.get("error", ""), result.get("causes", []))
    # Last, and whole or not at all: a re-run without --force skips a submission whose autograded
    # notebook exists, so it must exist only once everything above is recorded.
    path = dest / f"{sub.notebook}.ipynb"
    partial = dest / f".{sub.notebook}.ipynb.partial"
    nbformat.write(nb, str(partial))
    os.replace(partial, path)


def fill_outputs(nb, outputs: dict, failure: str | None) -> None:
    """Put a worker's outputs into the restored notebook; with `failure`, every graded cell says why it is zero."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs = [nbformat.from_dict(o) for o in outputs.get(str(index), [])]
        if failure and cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell.outputs.append(nbformat.from_dict({
                "output_type": "error", "ename": "NotGraded", "evalue": failure,
                "traceback": [f"NotGraded: {failure}"]}))


def _zero_notebook(sub: Submission, db_url: str):
    """The source notebook as nbgrader stored it (every cell from the gradebook), for a zero."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        notebook = gb.find_notebook(sub.notebook, sub.assignment)
        cells = sorted(notebook.source_cells, key=lambda c: c.name)
        nb = nbformat.v4.new_notebook()
        for source_cell in cells:
            graded = next((g for g in notebook.grade_cells if g.name == source_cell.name), None)
            meta = {"grade": graded is not None, "grade_id": source_cell.name, "locked": source_cell.locked,
                    "schema_version": 3, "solution": False, "task": False}
            if graded is not None:
                meta["points"] = graded.max_score
            if source_cell.cell_type == "code":
                cell = nbformat.v4.new_code_cell(source_cell.source, metadata={"nbgrader": meta})
            else:
                cell = nbformat.v4.new_markdown_cell(source_cell.source, metadata={"nbgrader": meta})
            nb.cells.append(cell)
    return nb


def _scores(nb) -> dict[str, float | None]:
    from nbgrader.utils import determine_grade, is_grade

    return {cell.metadata["nbgrader"]["grade_id"]: determine_grade(cell)[0]
            for cell in nb.cells if is_grade(cell)}


def cluster_address(config) -> str | None:
    """The Dask scheduler nbgrader_config.py names for grading (`c.Autograder.cluster`), if any."""
    return config.Autograder.cluster if "cluster" in config.Autograder else None


def grade(root: Path, assignment: str, students: list[str] | None = None, force: bool = False,
          workers: int | None = None, echo: Callable = print, pool: "Pool | None" = None,
          cluster: str | None = None) -> list[Submission]:
    """Grade every submission of `assignment` under `root`; return them with their scores.

    `pool`: workers already started. `cluster`: the address of a Dask scheduler whose nodes
    grade instead (autograder.cluster); by default the one nbgrader_config.py names, if any, and
    "local" grades here whatever it says. Either way only this process records, each submission
    once, and writes its job id to logs/recorded.log.
    """
    return grade_all(root, [assignment], students, force, workers, echo, pool, cluster)[assignment]


def grade_all(root: Path, assignments: list[str], students: list[str] | None = None, force: bool = False,
              workers: int | None = None, echo: Callable = print, pool: "Pool | None" = None,
              cluster: str | None = None, on_graded: Callable[[str], None] | None = None) -> dict[str, list[Submission]]:
    """`grade` for several assignments as one stream of submissions: a worker that finishes the
    last submission of one assignment takes the next assignment's first, instead of waiting for
    the slowest of its class. `on_graded(assignment)` is called once all of an assignment's
    submissions are recorded (feedback can start then, while the next one grades)."""
    _speed_up_gradebook()
    # nbgrader's own gradebook code trips SQLAlchemy's autoflush warning; it is harmless noise here.
    warnings.filterwarnings("ignore", message=".*not in session.*", module="nbgrader")
    require_course_root(root, f"cannot grade {', '.join(map(repr, assignments))}")
    for assignment in assignments:
        if not (root / "source" / assignment).is_dir():
            raise CourseError(f"unknown assignment {assignment!r}: {root / 'source' / assignment} does not exist")
    config = load_config(root)
    db_url = gradebook_url(root, config)
    cluster = cluster or (cluster_address(config) if pool is None else None)
    if cluster and cluster != "local":
        from .cluster import parse_address

        cluster = parse_address(cluster)  # a malformed address is said at once, graded or not
    with reaching_gradebook(db_url):
        runs = [_to_grade(db_url, root, assignment, students, force, echo) for assignment in assignments]
        _grade_into(db_url, config, root, [r for r in runs if r.subs], workers, echo, pool, cluster, on_graded)
    return {r.assignment: r.subs for r in runs}


@dataclass
class _Run:
    """One assignment's part of a grading run: what to grade, and how far its recording is."""

    assignment: str
    subs: list[Submission]
    known_ids: set[str]
    bar: Progress | None = None
    recorded: int = 0


def _to_grade(db_url: str, root: Path, assignment: str, students: list[str] | None, force: bool,
              echo: Callable) -> _Run:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            notebooks = [nb.name for nb in gb.find_assignment(assignment).notebooks]
            known_ids = {c.name for nb in gb.find_assignment(assignment).notebooks for c in nb.source_cells}
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook {shown_url(db_url)}: run "
                              f"`nbgrader generate_assignment {assignment}` first") from None
    subs, skipped = find_submissions(root, assignment, notebooks, students)
    for w in skipped:
        echo(f"  skipped {w}")
    if not force:
        done = [s for s in subs if (root / "autograded" / s.student / assignment / f"{s.notebook}.ipynb").exists()]
        if done:
            echo(f"  {len({s.student for s in done})} students already graded (use --force to grade again)")
        subs = [s for s in subs if s not in done]
    if not subs:
        echo(f"  nothing to grade for {assignment}")
    return _Run(assignment, subs, known_ids)


def _grade_into(db_url: str, config, root: Path, runs: list[_Run], workers: int | None, echo: Callable,
                pool: "Pool | None", cluster: str | None, on_graded: Callable[[str], None] | None) -> None:
    if not runs:
        return
    log = root / "logs" / "engine.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    recorded: set[tuple[str, str]] = set()
    run_of = {r.assignment: r for r in runs}

    def record_once(sub: Submission, result: dict) -> None:
        if (sub.assignment, job_id(sub)) in recorded:  # a second result for one submission is never recorded
            return
        record(sub, result, config, db_url, root)
        recorded.add((sub.assignment, job_id(sub)))
        with open(root / "logs" / "recorded.log", "a") as journal:
            journal.write(f"{time.time():.3f}\t{sub.assignment}\t{job_id(sub)}\n")
        run = run_of[sub.assignment]
        run.bar.step(sub.student)
        run.recorded += 1
        if run.recorded == len(run.subs) and on_graded:
            on_graded(run.assignment)

    def restored() -> Iterable[Submission]:
        """Each submission restored when a worker is free for it; one that cannot run is recorded as a zero."""
        for run in runs:
            run.bar = Progress(len(run.subs), f"{run.assignment:<24}")
            for sub in run.subs:
                restore(sub, config, db_url, run.known_ids)
                if sub.nb is None:
                    record_once(sub, {})
                else:
                    yield sub

    own = pool is None
    if own and cluster and cluster != "local":
        from .cluster import Cluster

        pool = Cluster(cluster, echo)
    elif own:  # its workers import TensorFlow while the first submissions are restored
        echo(f"  the sandbox runs in {sandbox_mode()[0]} mode (README: With or without root)")
        pool = Pool(max(1, min(workers or os.cpu_count() or 1, sum(len(r.subs) for r in runs))), log)
    try:
        for sub, result in pool.run(restored()):
            sub.seconds = result.get("seconds", 0.0)
            sub.oracle_requests = int(result.get("oracle_requests", 0))
            sub.oracle_seconds = result.get("oracle_seconds", 0.0)
            if result.get("error"):
                with open(log, "a") as f:
                    f.write(f"{sub.student}/{sub.notebook}: {result['error']}\n{result.get('trace', '')}\n")
            record_once(sub, result)
    finally:
        if own:
            pool.close()
