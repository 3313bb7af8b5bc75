"""The trusted runner of a grading worker, and the bubblewrap command that starts the worker.

A worker (`autograder.student.worker`, inside bubblewrap: no network, read-only system,
private PID namespace) holds three kinds of process:

- the **zygote** imports TensorFlow and the student side only, and forks student processes;
- the **runner** (this module, grader side, forked once from the zygote and the only process
  that imports the grader side) reads jobs from the engine, executes the restored test cells
  as trusted code and talks to the student process only in plain data (autograder.student.wire):
  student names are proxies, cases go out as plain arguments, black boxes are answered here
  (autograder.student.oracles), and answers come back as plain descriptions;
- a **student process** per submission, PID 1 of its own PID namespace (killing it kills
  all it started), with no privilege, limits, private /tmp and one descriptor: its channel to
  the runner.

Every request to a student process carries an id and every frame back must answer the
request in flight; anything else (bytes that do not parse, an unsolicited frame, a reply to
another request) ends that process and costs the current question its points, with the reason.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import io
import json
import os
import select
import signal
import socket
import time
import traceback
from pathlib import Path
from typing import Any

from .checks import CheckFailed, Remote, checking
from .student.worker import GRADER_PATH, LIMITS

COURSE_PATH = "/opt/course"  # the student side, readable by every uid in the sandbox
WROTE_TO_CHANNEL = "the submission wrote to the grader's channel (a frame that answers no request)"


def bwrap_command(python: str, package: Path, extra_ro: list[str], student_uid: int | None = 65534) -> list[str]:
    """The bubblewrap command line that starts a worker whose students run as `student_uid`.

    `package` is the autograder package: its student side is mounted at /opt/course for every
    uid, the whole package at /opt/grader under a folder only root can enter (and every
    student process covers it). `student_uid=None`: the worker runs in a user namespace as the
    instructor's own uid, and so do its students, without any capability (engine.sandbox_mode).
    """
    cmd = ["bwrap"] + (["--unshare-user"] if student_uid is None else [])
    cmd += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr", "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
           "--ro-bind-try", "/etc/localtime", "/etc/localtime",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chmod", "1777", "/tmp",
           "--setenv", "HOME", "/tmp", "--setenv", "TF_CPP_MIN_LOG_LEVEL", "3",
           "--setenv", "TF_ENABLE_ONEDNN_OPTS", "0", "--setenv", "CUDA_VISIBLE_DEVICES", "",
           "--setenv", "PYTHONHASHSEED", "0", "--setenv", "MPLBACKEND", "Agg",
           "--setenv", "MPLCONFIGDIR", "/tmp", "--unsetenv", "AUTOGRADER_SEED",
           "--unsetenv", "PYTHONPATH", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
           "--setenv", "AUTOGRADER_STUDENT_UID", str(student_uid if student_uid is not None else os.getuid()),
           "--chdir", "/tmp"]
    for name in ("lib", "lib64", "bin", "sbin"):
        target = os.readlink(f"/{name}") if os.path.islink(f"/{name}") else None
        if target:
            cmd += ["--symlink", target, f"/{name}"]
        elif os.path.isdir(f"/{name}"):
            cmd += ["--ro-bind", f"/{name}", f"/{name}"]
    # bwrap makes missing parents of a mount point 0700: the student uid could not reach the
    # Python installation to import anything the zygote did not import already.
    parents = sorted({str(p) for m in extra_ro + [COURSE_PATH + "/autograder"] for p in Path(m).parents
                      if str(p) != "/"}, key=lambda p: p.count("/"))
    for parent in parents:
        cmd += ["--perms", "0755", "--dir", parent]
    for path in extra_ro:
        cmd += ["--ro-bind", path, path]
    cmd += ["--perms", "0755", "--dir", f"{COURSE_PATH}/autograder",
            "--ro-bind", str(package / "__init__.py"), f"{COURSE_PATH}/autograder/__init__.py",
            "--ro-bind", str(package / "student"), f"{COURSE_PATH}/autograder/student",
            "--perms", "0700", "--dir", str(Path(GRADER_PATH).parent),
            "--ro-bind", str(package), GRADER_PATH]
    boot = (f"import sys; sys.path.insert(0, {COURSE_PATH!r}); "
            "from autograder.student.worker import main; main()")
    return cmd + [python, "-c", boot]


def describe_end(status: int, timed_out: str | None = None) -> str:
    """Why a student process ended, in words."""
    if timed_out:
        return timed_out
    if status == -1:
        return "your code closed the grader's connection and kept running"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        reason = {signal.SIGSEGV: "crashed (segmentation fault)",
                  signal.SIGXCPU: f"used more than {LIMITS['cpu_seconds']} s of CPU time",
                  signal.SIGKILL: "was killed (out of memory or over a limit)",
                  signal.SIGABRT: "aborted"}.get(sig, f"was ended by signal {signal.Signals(sig).name}")
        return f"the process running your code {reason}"
    return f"your code ended the process (exit status {os.WEXITSTATUS(status)}, e.g. os._exit or sys.exit)"


# --- runner ------------------------------------------------------------------------------
class StudentGone(Exception):
    """The student process died or timed out; the message says how."""


class Student:
    """The runner's handle on one student process."""

    def __init__(self, zygote: socket.socket) -> None:
        self.zygote = zygote
        data, fds = _ask_zygote(zygote, {"op": "fork"}, fds=True)
        started = json.loads(data)
        if not fds or started.get("pid", 0) <= 1:
            raise StudentGone(f"the sandbox could not start a process for your code: {started.get('error')}")
        self.pid = started["pid"]  # PID 1 of the student's own PID namespace
        self.sock = socket.socket(fileno=fds[0])
        self.alive, self.why, self.last_id = True, "", 0

    def request(self, msg: dict, seconds: float, serve: Any = None) -> dict:
        """Send `msg` with a new id; answer its oracle requests with `serve`; return the frame that answers it.

        Any other frame (unparsable, unsolicited, answering another id, badly typed) ends the
        process: StudentGone says the submission wrote to the grader's channel.
        """
        from .student import wire

        if not self.alive:
            raise StudentGone(self.why)
        self.last_id += 1
        rid, answer = self.last_id, "done" if msg["op"] == "exec" else "result"
        clock = _Allowance(self.pid, seconds)
        try:
            self.sock.settimeout(clock.wall_left())
            wire.send(self.sock, {**msg, "id": rid})
            while True:
                if not clock.wait_readable(self.sock):
                    raise _OutOfTime()
                self.sock.settimeout(clock.wall_left())  # a frame begun is read whole, or by the wall limit
                frame = wire.recv(self.sock)
                if not isinstance(frame, dict):
                    raise _Forged()
                if frame.get("op") == "oracle" and serve is not None and frame.get("case") == rid \
                        and isinstance(frame.get("seq"), int) and isinstance(frame.get("args"), list):
                    wire.send(self.sock, {**serve(frame), "re": frame["seq"]})
                    continue
                if frame.get("op") == answer and frame.get("re") == rid and _well_typed(frame):
                    return frame
                raise _Forged()
        except _OutOfTime:
            self._end(clock.why, kill=True)
        except (socket.timeout, TimeoutError):
            self._end(clock.wall_why(), kill=True)
        except (EOFError, ConnectionError, BrokenPipeError):
            self._end(None)
        except Exception:  # noqa: BLE001 - bytes that do not parse, or a frame nobody asked for
            self._end(WROTE_TO_CHANNEL, kill=True)
        raise StudentGone(self.why)

    def _end(self, why: str | None, kill: bool = False) -> None:
        with contextlib.suppress(ProcessLookupError):
            if kill:
                os.kill(self.pid, signal.SIGKILL)
        status = json.loads(_ask_zygote(self.zygote, {"op": "wait", "pid": self.pid, "grace": 1.0})[0])["status"]
        self.alive, self.why = False, describe_end(status, why)
        self.sock.close()

    def close(self) -> None:
        """End the student process, and with it its PID namespace: every process it started."""
        if self.alive:
            self._end(None, kill=True)


_TICKS = os.sysconf("SC_CLK_TCK")
_POLL_SECONDS = 0.2


class _Allowance:
    """The time one request may take: `seconds` of CPU time, and `wall_factor` times that by the clock.

    The CPU time is that of the student's process (all its threads, and children it reaped)
    and of every process it started, read from /proc outside the student's process. So how
    busy the machine is (another student's fork bomb, other workers) costs an honest student
    nothing: a call waiting for a CPU uses none. Code that waits instead (sleeps, blocks), or
    computes where /proc never shows it (children the kernel reaps by itself, or that live
    between two readings: samples/hostile.py), meets the wall limit.
    """

    def __init__(self, pid: int, seconds: float) -> None:
        self.pid, self.seconds = pid, seconds
        self.wall = seconds * LIMITS["wall_factor"]
        self.start = time.monotonic()
        own = _proc_stat(pid)
        self.cpu0 = own[1] if own else 0.0  # its earlier cells' CPU time is theirs, not this request's
        self.why = ""

    def wall_left(self) -> float:
        return max(0.001, self.start + self.wall - time.monotonic())

    def wall_why(self) -> str:
        return (f"your code took longer than {self.wall:g} s by the clock without finishing (waiting on "
                "something, or working in processes it started) and was stopped")

    def wait_readable(self, sock: socket.socket) -> bool:
        """True once `sock` has bytes to read; False (with `why`) when the allowance is spent first."""
        while True:
            left = self.start + self.wall - time.monotonic()
            if left <= 0:
                self.why = self.wall_why()
                return False
            readable, _, _ = select.select([sock], [], [], min(_POLL_SECONDS, left))
            if readable:
                return True
            if _tree_cpu(self.pid) - self.cpu0 >= self.seconds:
                self.why = f"your code used more than {self.seconds:g} s of CPU time (an endless loop?) and was stopped"
                return False


def _proc_stat(pid: int | str) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process with the children it reaped), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2:].split()  # the name may hold spaces and parentheses
    return int(fields[1]), sum(int(x) for x in fields[11:15]) / _TICKS  # ppid; utime stime cutime cstime


def _tree_cpu(root: int) -> float:
    """CPU seconds of `root` and of every process below it (the student's PID namespace)."""
    children: dict[int, list[tuple[int, float]]] = {}
    own = 0.0
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _proc_stat(name)
            if stat is not None:
                children.setdefault(stat[0], []).append((int(name), stat[1]))
                if int(name) == root:
                    own = stat[1]
    total, todo = own, [root]
    while todo:
        for pid, cpu in children.get(todo.pop(), ()):
            total += cpu
            todo.append(pid)
    return total


class ZygoteGone(Exception):
    """The worker's zygote does not answer: the runner ends, and the engine grades the job on a new worker."""


def _ask_zygote(zygote: socket.socket, msg: dict, fds: bool = False) -> tuple[bytes, list[int]]:
    """Send the zygote one request; its answer (and the descriptor it passes), or ZygoteGone."""
    try:
        zygote.sendall(json.dumps(msg).encode())
        data, got, _, _ = socket.recv_fds(zygote, 4096, 1) if fds else (zygote.recv(4096), [], 0, None)
    except OSError as e:
        raise ZygoteGone(str(e)) from e
    if not data:
        raise ZygoteGone("the zygote ended")
    return data, got


class _OutOfTime(Exception):
    """The request spent its allowance (_Allowance.why says which)."""


class _Forged(Exception):
    """A frame that answers no request in flight."""


def _well_typed(frame: dict) -> bool:
    """The fields the runner reads from an answer have the types it expects."""
    if frame["op"] == "result":
        return isinstance(frame.get("noise", ""), str)
    error = frame.get("error")
    return (isinstance(frame.get("stdout"), str) and isinstance(frame.get("stderr"), str)
            and (error is None or isinstance(error, dict) and isinstance(error.get("type"), str)
                 and isinstance(error.get("message"), str)
                 and all(isinstance(t, str) for t in error.get("traceback", []))))


class Session:
    """One submission in the runner: student cells in a student process, test cells here."""

    def __init__(self, zygote: socket.socket) -> None:
        self.zygote = zygote
        self.student: Student | None = None
        self.replay: list[tuple[int, str]] = []  # student cells that ran, to rebuild after a crash
        self.crashed: dict[str, str] = {}        # question -> why its process died
        self.oracle_requests, self.oracle_seconds = 0, 0.0  # black-box requests answered here, and their cost
        self.causes: list[dict] = []  # failed cases' causes, as the judges gave them (autograder/outcomes.py)

    def _process(self) -> Student:
        if self.student is None or not self.student.alive:
            self.student = Student(self.zygote)  # the dead one's PID namespace went with it
            for index, source in self.replay:
                self.student.request({"op": "exec", "source": source, "cell": index}, LIMITS["cell_seconds"])
        return self.student

    def exec_student_cell(self, index: int, source: str) -> list[dict]:
        try:
            reply = self._process().request({"op": "exec", "source": source, "cell": index},
                                            LIMITS["cell_seconds"])
        except StudentGone as e:
            self.student = None
            return [_error_output("CellCrashed", f"{e}; this cell is skipped and grading goes on")]
        self.replay.append((index, source))
        outputs = []
        for name in ("stdout", "stderr"):
            if reply[name]:
                outputs.append({"output_type": "stream", "name": name, "text": reply[name]})
        if reply["error"]:
            err = reply["error"]
            outputs.append({"output_type": "error", "ename": err["type"], "evalue": err["message"],
                            "traceback": err.get("traceback", [])})
        return outputs

    def run_case(self, name: str, question: Any, case: Any) -> tuple[Any, str]:
        from .student.oracles import Table
        from .student.values import describe_error

        if question.name in self.crashed:
            return describe_error(RuntimeError(self.crashed[question.name])), ""
        table, args = Table.for_case(question, case)

        def serve(request: dict) -> dict:
            start = time.monotonic()
            try:
                return table.serve(request)
            finally:
                self.oracle_requests += 1
                self.oracle_seconds += time.monotonic() - start

        try:
            reply = self._process().request({"op": "case", "question": question.name, "name": name,
                                             "args": args}, LIMITS["case_seconds"], serve=serve)
        except StudentGone as e:
            self.student = None
            self.crashed[question.name] = str(e)
            return describe_error(RuntimeError(str(e))), ""
        return table.evidence(reply.get("got")), reply.get("noise", "")

    def run_test_cell(self, source: str) -> list[dict]:
        ns: dict[str, Any] = {"checking": functools.partial(checking, record=self.causes.append),
                              "__builtins__": builtins}
        for name in _free_names(source):
            if name not in ns and not hasattr(builtins, name):
                ns[name] = Remote(name, self)
        out = io.StringIO()
        outputs: list[dict] = []
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(source, "<test cell>", "exec"), ns)
        except CheckFailed as e:
            outputs.append(_error_output("CheckFailed", str(e)))
        except Exception as e:  # a broken instructor cell: zero, and say so
            outputs.append(_error_output(type(e).__name__, f"the test cell failed: {e}"))
        if out.getvalue():
            outputs.insert(0, {"output_type": "stream", "name": "stdout", "text": out.getvalue()})
        return outputs

    def close(self) -> None:
        if self.student:
            self.student.close()  # its private /tmp and every process it started go with it


def _free_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _error_output(ename: str, evalue: str) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": evalue,
            "traceback": [f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]}


def grade_notebook(zygote: socket.socket, job: dict) -> dict:
    """Run one restored notebook: {"outputs": {cell index: [outputs]}, "seconds": ...}."""
    os.environ["AUTOGRADER_STUDENT"] = job["student"]
    LIMITS.update({k: v for k, v in job.get("limits", {}).items() if k in LIMITS})
    session = Session(zygote)
    start = time.monotonic()
    outputs: dict[str, list[dict]] = {}
    try:
        for index, cell in enumerate(job["cells"]):
            if cell["cell_type"] != "code":
                continue
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                outputs[str(index)] = session.run_test_cell(cell["source"])
            else:
                outputs[str(index)] = session.exec_student_cell(index, cell["source"])
    finally:
        session.close()
    return {"id": job["id"], "outputs": outputs, "seconds": time.monotonic() - start,
            "oracle_requests": session.oracle_requests, "oracle_seconds": session.oracle_seconds,
            "causes": session.causes}


def run_jobs(zygote: socket.socket, jobs_in: Any, results_out: Any) -> None:
    """The runner's loop: one JSON job per line in, one JSON result per line out, each naming its job."""
    for line in jobs_in:
        job = json.loads(line)
        try:
            result = grade_notebook(zygote, job)
        except ZygoteGone:  # no result: the engine replaces this worker and grades the job again
            return
        except Exception as e:  # report, never die silently: the grader gives a zero with the reason
            result = {"id": job["id"], "error": f"{type(e).__name__}: {e}",
                      "trace": traceback.format_exc()[-2000:]}
        results_out.write((json.dumps(result) + "\n").encode())
        results_out.flush()
    with contextlib.suppress(OSError):
        zygote.sendall(b'{"op": "quit"}')
