"""One grading worker, run inside bubblewrap: `python -m autograder.sandbox`.

Three kinds of process live in the worker's sandbox (no network, read-only system, private
/tmp and PID namespace; nothing of the course is mounted but the autograder package):

- the **zygote** imports TensorFlow and the checks, runs no TensorFlow op, and forks student
  processes on request; it never sees a submission, so no student's process can find another
  student's code in its memory;
- the **runner** (forked once from the zygote) reads jobs from the grader, executes the
  restored test cells as trusted code, and talks to the student process only in plain data
  (autograder.wire); no point is awarded by code running in a student's process;
- a **student process** (forked from the zygote per submission, again after a crash) drops
  to uid 65534 with limits on memory, processes and CPU, runs the student's cells and, on
  request, calls the student's functions on a case and describes the result.

When a submission is done, every process of uid 65534 in the namespace is killed.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import ctypes
import io
import json
import os
import resource
import shutil
import signal
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import Any

# Each worker's students get a uid of their own: RLIMIT_NPROC counts processes per uid across
# the whole machine, so a fork bomb under one worker must not starve another worker's student.
STUDENT_UID = int(os.environ.get("AUTOGRADER_STUDENT_UID", "65534"))
LIMITS = {  # per student process
    "memory_bytes": 4 << 30,
    "processes": 1024,      # counts threads too: tape.jacobian leaves many TensorFlow threads behind
    "cpu_seconds": 300,
    "cell_seconds": 60,     # wall time of one student cell
    "case_seconds": 10,     # wall time of one call of a student's function
    "output_bytes": 64 << 10,
}


def bwrap_command(python: str, package: Path, extra_ro: list[str], student_uid: int = 65534) -> list[str]:
    """The bubblewrap command line that starts a worker whose students run as `student_uid`."""
    cmd = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
           "--unshare-cgroup-try", "--die-with-parent", "--new-session",
           "--ro-bind", "/usr", "/usr", "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
           "--ro-bind-try", "/etc/localtime", "/etc/localtime",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chmod", "1777", "/tmp",
           "--dir", "/home/student", "--chmod", "0755", "/home/student",
           "--setenv", "HOME", "/tmp", "--setenv", "TF_CPP_MIN_LOG_LEVEL", "3",
           "--setenv", "TF_ENABLE_ONEDNN_OPTS", "0", "--setenv", "CUDA_VISIBLE_DEVICES", "",
           "--setenv", "PYTHONHASHSEED", "0", "--setenv", "MPLBACKEND", "Agg",
           "--setenv", "MPLCONFIGDIR", "/tmp", "--unsetenv", "AUTOGRADER_SEED",
           "--setenv", "AUTOGRADER_STUDENT_UID", str(student_uid),
           "--chdir", "/tmp"]
    for name in ("lib", "lib64", "bin", "sbin"):
        target = os.readlink(f"/{name}") if os.path.islink(f"/{name}") else None
        if target:
            cmd += ["--symlink", target, f"/{name}"]
        elif os.path.isdir(f"/{name}"):
            cmd += ["--ro-bind", f"/{name}", f"/{name}"]
    mounts = extra_ro + [str(package)]
    # bwrap makes missing parents of a mount point 0700: the student uid could not reach the
    # Python installation to import anything the zygote did not import already.
    parents = sorted({str(p) for m in mounts for p in Path(m).parents if str(p) != "/"},
                     key=lambda p: p.count("/"))
    for parent in parents:
        cmd += ["--perms", "0755", "--dir", parent]
    for path in mounts:
        cmd += ["--ro-bind", path, path]
    return cmd + [python, "-m", "autograder.sandbox"]


# --- student process ---------------------------------------------------------------------
def _become_student(scratch: str) -> None:
    """Drop to the unprivileged uid in a private scratch folder, with resource limits."""
    os.makedirs(scratch, mode=0o700, exist_ok=True)
    os.chown(scratch, STUDENT_UID, STUDENT_UID)
    os.chdir(scratch)
    os.setsid()
    os.setgroups([])
    os.setresgid(STUDENT_UID, STUDENT_UID, STUDENT_UID)
    os.setresuid(STUDENT_UID, STUDENT_UID, STUDENT_UID)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    for limit, value in ((resource.RLIMIT_AS, LIMITS["memory_bytes"]),
                         (resource.RLIMIT_NPROC, LIMITS["processes"]),
                         (resource.RLIMIT_CPU, LIMITS["cpu_seconds"]),
                         (resource.RLIMIT_FSIZE, 256 << 20),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))
    os.environ["HOME"] = scratch


class _Capped(io.StringIO):
    """A stdout/stderr replacement that keeps at most `limit` characters."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.dropped = limit, 0

    def write(self, s: str) -> int:
        room = self.limit - self.tell()
        if room > 0:
            super().write(s[:room])
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)


def _student_main(sock: socket.socket, scratch: str) -> None:
    from . import checks, question, wire
    from .question import Case
    from .values import describe_error

    _become_student(scratch)
    ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    while True:
        try:
            msg = wire.recv(sock)
        except EOFError:
            os._exit(0)
        if msg["op"] == "exec":
            out, err = _Capped(LIMITS["output_bytes"]), _Capped(LIMITS["output_bytes"])
            error = None
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    exec(compile(msg["source"], f"<cell {msg['cell']}>", "exec"), ns)
                except BaseException as e:  # the student's error is part of the result
                    error = describe_error(e)
                    error["traceback"] = _student_traceback(e)
            wire.send(sock, {"stdout": out.getvalue(), "stderr": err.getvalue(), "error": error})
        elif msg["op"] == "case":
            fn = ns.get(msg["name"])
            q = question.get(msg["question"])
            if fn is None:
                got, noise = describe_error(NameError(
                    f"name '{msg['name']}' is not defined")), ""
            else:
                got, noise = checks.run_case(q, fn, Case(tuple(msg["args"])))
            wire.send(sock, {"got": got, "noise": noise})


def _student_traceback(e: BaseException) -> list[str]:
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith("<cell")]
    lines = [f"  {f.filename}, line {f.lineno}: {f.line}" for f in frames[-3:]]
    return lines + [f"{type(e).__name__}: {e}"]


# --- zygote ------------------------------------------------------------------------------
def _zygote(sock: socket.socket) -> None:
    """Fork student processes on request; report how they ended."""
    ended: dict[int, int] = {}
    count = 0
    while True:
        try:
            msg = json.loads(sock.recv(4096) or b'{"op": "quit"}')
        except (ConnectionError, ValueError):
            msg = {"op": "quit"}
        _reap(ended)
        if msg["op"] == "quit":
            os._exit(0)
        if msg["op"] == "fork":
            count += 1
            ours, theirs = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                sock.close()
                theirs.close()
                try:
                    _student_main(ours, f"/tmp/student-{count}")
                finally:
                    os._exit(70)
            ours.close()
            socket.send_fds(sock, [json.dumps({"pid": pid}).encode()], [theirs.fileno()])
            theirs.close()
        elif msg["op"] == "wait":
            pid, deadline = msg["pid"], time.monotonic() + msg.get("grace", 1.0)
            status = ended.pop(pid, None)
            while status is None:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = st
                elif time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    _, status = os.waitpid(pid, 0)
                    status = -1  # still running: we killed it
                else:
                    time.sleep(0.01)
            sock.sendall(json.dumps({"status": status}).encode())
        _reap(ended)


def _reap(ended: dict[int, int]) -> None:
    """Collect every child of the zygote that ended, keeping its status for `wait`."""
    with contextlib.suppress(ChildProcessError):
        while True:
            pid, st = os.waitpid(-1, os.WNOHANG)
            if not pid:
                break
            ended[pid] = st


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
        zygote.sendall(b'{"op": "fork"}')
        data, fds, _, _ = socket.recv_fds(zygote, 4096, 1)
        self.pid = json.loads(data)["pid"]
        self.sock = socket.socket(fileno=fds[0])
        self.alive = True

    def ask(self, msg: dict, seconds: float) -> dict:
        from . import wire

        if not self.alive:
            raise StudentGone(self.why)
        self.sock.settimeout(seconds)
        try:
            wire.send(self.sock, msg)
            return wire.recv(self.sock)
        except socket.timeout:
            self._end(f"your code took longer than {seconds:g} s (an endless loop?) and was stopped")
        except (EOFError, ConnectionError, ValueError, KeyError):
            self._end(None)
        raise StudentGone(self.why)

    def _end(self, timed_out: str | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            if timed_out:
                os.kill(self.pid, signal.SIGKILL)
        self.zygote.sendall(json.dumps({"op": "wait", "pid": self.pid, "grace": 1.0}).encode())
        status = json.loads(self.zygote.recv(4096))["status"]
        self.alive, self.why = False, describe_end(status, timed_out)
        self.sock.close()

    def close(self) -> None:
        if self.alive:
            self.sock.close()
            self.alive = False


def kill_student_processes(seconds: float = 5.0) -> None:
    """Kill every process of the student uid in this PID namespace (daemons, fork bombs)."""
    deadline = time.monotonic() + seconds
    while True:
        pid = os.fork()
        if pid == 0:
            try:
                os.setresuid(STUDENT_UID, STUDENT_UID, STUDENT_UID)
                os.kill(-1, signal.SIGKILL)  # every process this uid may signal, in this namespace
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if not _student_processes() or time.monotonic() > deadline:
            return
        time.sleep(0.02)  # a bomb forked while we killed, or zombies not reaped yet


def _student_processes() -> list[int]:
    """Live processes of the student uid (zombies are reaped by the zygote before it forks)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == STUDENT_UID:
                    with open(f"/proc/{entry}/stat") as f:
                        state = f.read().rsplit(")", 1)[1].split()[0]
                    if state != "Z":  # zombies go when the zygote reaps, before its next fork
                        pids.append(int(entry))
    return pids


class Proxy:
    """A student's name as the trusted test code sees it: calls cross as plain data."""

    def __init__(self, name: str, session: "Session") -> None:
        self._name, self._session = name, session

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{self._name} runs in the student's process; checks call it through a question")

    def __repr__(self) -> str:
        return f"<student's {self._name}>"

    def run_case(self, question: Any, case: Any) -> tuple[Any, str]:
        return self._session.run_case(self._name, question, case)


class Session:
    """One submission in the runner: student cells in a student process, test cells here."""

    def __init__(self, zygote: socket.socket) -> None:
        self.zygote = zygote
        self.student: Student | None = None
        self.replay: list[tuple[int, str]] = []  # student cells that ran, to rebuild after a crash
        self.crashed: dict[str, str] = {}        # question -> why its process died

    def _process(self) -> Student:
        if self.student is None or not self.student.alive:
            if self.student is not None or self.replay:
                kill_student_processes()  # whatever the dead process left behind (a fork bomb's children)
            self.student = Student(self.zygote)
            for index, source in self.replay:
                self.student.ask({"op": "exec", "source": source, "cell": index}, LIMITS["cell_seconds"])
        return self.student

    def exec_student_cell(self, index: int, source: str) -> list[dict]:
        try:
            reply = self._process().ask({"op": "exec", "source": source, "cell": index},
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
        from .values import describe_error

        if question.name in self.crashed:
            return describe_error(RuntimeError(self.crashed[question.name])), ""
        try:
            reply = self._process().ask({"op": "case", "question": question.name, "name": name,
                                         "args": list(case.args)}, LIMITS["case_seconds"])
        except StudentGone as e:
            self.student = None
            self.crashed[question.name] = str(e)
            return describe_error(RuntimeError(str(e))), ""
        return reply["got"], reply.get("noise", "")

    def run_test_cell(self, source: str) -> list[dict]:
        from .checks import CheckFailed, checking

        ns: dict[str, Any] = {"checking": checking, "__builtins__": builtins}
        for name in _free_names(source):
            if name not in ns and not hasattr(builtins, name):
                ns[name] = Proxy(name, self)
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
            self.student.close()
        kill_student_processes()
        for scratch in Path("/tmp").glob("student-*"):
            shutil.rmtree(scratch, ignore_errors=True)


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
    return {"id": job["id"], "outputs": outputs, "seconds": time.monotonic() - start}


def _runner(zygote: socket.socket, jobs_in: Any, results_out: Any) -> None:
    for line in jobs_in:
        job = json.loads(line)
        try:
            result = grade_notebook(zygote, job)
        except Exception as e:  # report, never die silently: the grader gives a zero with the reason
            result = {"id": job.get("id"), "error": f"{type(e).__name__}: {e}",
                      "trace": traceback.format_exc()[-2000:]}
        results_out.write((json.dumps(result) + "\n").encode())
        results_out.flush()
    zygote.sendall(b'{"op": "quit"}')


def main() -> None:
    results_out = os.fdopen(os.dup(1), "wb", buffering=0)  # the protocol owns fd 1's copy
    os.dup2(2, 1)  # anything else printed goes to the worker's log
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401  (imported once, no op run: forking stays safe)

    from . import checks, question, wire  # noqa: F401
    question.get("as_param")  # registers every unit's questions before any fork
    zygote_end, runner_end = socket.socketpair()
    if os.fork() == 0:
        zygote_end.close()
        _runner(runner_end, sys.stdin, results_out)
        os._exit(0)
    runner_end.close()
    results_out.write(b'{"ready": true}\n')
    _zygote(zygote_end)


if __name__ == "__main__":
    # Run the module's own copy (not __main__'s), so its classes are the ones checks.py imports.
    from autograder.sandbox import main as _main

    _main()
