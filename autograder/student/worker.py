"""A grading worker's start inside bubblewrap: the zygote and the student processes it forks.

The worker's sandbox holds the student side of the course at /opt/course (readable by every
uid) and the grader side at /opt/grader (mode 0700, root only). `main` imports TensorFlow and
the student side, runs no TensorFlow op, then forks once: the child becomes the trusted
runner (`autograder.sandbox`, grader side, imported only after the fork); the parent becomes
the **zygote**, which forks one student process per submission and never sees a submission.

A **student process** gets a private /tmp, closes every descriptor but its own end of its
own channel, drops to the worker's unprivileged uid with limits, then runs the student's
cells and, on request, one question's step on a case. Every frame it sends names the request
it answers; whatever it sends is only ever read as its own answer to the current request.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import io
import json
import os
import resource
import signal
import socket
import sys
import time
import types
import traceback
from typing import Any

STUDENT_UID = int(os.environ.get("AUTOGRADER_STUDENT_UID", "65534"))
GRADER_PATH = "/opt/grader/autograder"
LIMITS = {  # per student process
    "memory_bytes": 4 << 30,
    "processes": 1024,      # counts threads too: tape.jacobian leaves many TensorFlow threads behind
    "cpu_seconds": 300,
    "cell_seconds": 60,     # wall time of one student cell
    "case_seconds": 10,     # wall time of one call of a student's function
    "output_bytes": 64 << 10,
}
_CLONE_NEWNS, _MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x20000, 1, 32, 4096, 0x4000, 0x40000


# --- student process ---------------------------------------------------------------------
def _private_tmp() -> None:
    """A mount namespace of its own with an empty /tmp: nothing of an earlier student is visible.

    What the sandbox mounted below /tmp (the course's Python environment, when the course lives
    there) is carried over, read-only, into the new /tmp.
    """
    libc = ctypes.CDLL(None, use_errno=True)

    def mount(source: bytes | None, target: bytes, fstype: bytes | None, flags: int, data: bytes | None) -> None:
        if libc.mount(source, target, fstype, flags, data) != 0:
            raise OSError(ctypes.get_errno(), f"mount {target.decode()}")

    if libc.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None)
    held = [(path, os.open(path, os.O_PATH)) for path in _mounts_below("/tmp/")]
    for path in (b"/tmp", b"/dev/shm"):
        if os.path.isdir(path):
            mount(b"tmpfs", path, b"tmpfs", 0, b"mode=1777,size=512m")
    for path, fd in held:
        os.makedirs(path, exist_ok=True)
        mount(f"/proc/self/fd/{fd}".encode(), path.encode(), None, _MS_BIND | _MS_REC, None)
        mount(None, path.encode(), None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY, None)
        os.close(fd)


def _mounts_below(prefix: str) -> list[str]:
    """The outermost mount points below `prefix` (from /proc/self/mountinfo)."""
    points = sorted({line.split()[4].encode().decode("unicode_escape") for line in open("/proc/self/mountinfo")
                     if line.split()[4].startswith(prefix)})
    return [p for p in points if not any(p.startswith(q + "/") for q in points if q != p)]


def _only_descriptor(keep: int) -> None:
    """Close every descriptor but `keep`; 0, 1 and 2 read and write /dev/null."""
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        if fd != null:
            os.dup2(null, fd)
    for fd in [int(n) for n in os.listdir("/proc/self/fd")]:
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):
                os.close(fd)


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


class ChannelBroken(Exception):
    """The runner sent something this process cannot read; it ends."""


def _student_main(sock: socket.socket) -> None:
    from . import probes, steps, wire
    from .values import describe_error

    ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    seq = 0
    sys.modules["autograder.checks"] = sys.modules["autograder"].checks = _checks_stand_in()

    def oracle(case_id: int):
        def ask(request: dict) -> dict:
            nonlocal seq
            seq += 1
            wire.send(sock, {**request, "op": "oracle", "case": case_id, "seq": seq})
            reply = wire.recv(sock)
            if not isinstance(reply, dict) or reply.get("re") != seq:
                raise ChannelBroken("a reply that answers another request")
            return reply
        return ask

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
            wire.send(sock, {"op": "done", "re": msg["id"], "stdout": out.getvalue(),
                             "stderr": err.getvalue(), "error": error})
        elif msg["op"] == "case":
            fn = ns.get(msg["name"])
            if fn is None:
                got, noise = describe_error(NameError(f"name '{msg['name']}' is not defined")), ""
            else:
                with probes.serving(oracle(msg["id"])):
                    got, noise = steps.run(steps.get(msg["question"]), fn, msg["args"])
            wire.send(sock, {"op": "result", "re": msg["id"], "got": got, "noise": noise})


def _checks_stand_in() -> types.ModuleType:
    """What `from autograder.checks import checking` (the exercises' setup cell) finds here: the
    checks themselves run in the grader while a submission is graded, never in this process."""
    module = types.ModuleType("autograder.checks", _checks_stand_in.__doc__)

    def checking(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("while your work is graded, the checks run in the grader, not in your notebook")

    module.checking = checking
    return module


def _student_traceback(e: BaseException) -> list[str]:
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith("<cell")]
    lines = [f"  {f.filename}, line {f.lineno}: {f.line}" for f in frames[-3:]]
    return lines + [f"{type(e).__name__}: {e}"]


def _student(sock: socket.socket) -> None:
    """The forked child: isolate, drop privileges, serve the runner until it hangs up."""
    try:
        _private_tmp()
        _only_descriptor(sock.fileno())
        _become_student("/tmp/work")
        _student_main(sock)
    finally:
        os._exit(70)


# --- zygote ------------------------------------------------------------------------------
def _zygote(sock: socket.socket) -> None:
    """Fork student processes on request; report how they ended."""
    ended: dict[int, int] = {}
    while True:
        try:
            msg = json.loads(sock.recv(4096) or b'{"op": "quit"}')
        except (ConnectionError, ValueError):
            msg = {"op": "quit"}
        _reap(ended)
        if msg["op"] == "quit":
            os._exit(0)
        if msg["op"] == "fork":
            ours, theirs = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                sock.close()
                theirs.close()
                _student(ours)
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


def main() -> None:
    jobs_in = os.fdopen(os.dup(0), "rb")
    results_out = os.fdopen(os.dup(1), "wb", buffering=0)  # the protocol owns these copies
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)  # anything else printed goes to the worker's log
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401  (imported once, no op run: forking stays safe)

    from . import steps

    steps.load()
    zygote_end, runner_end = socket.socketpair()
    if os.fork() == 0:
        zygote_end.close()
        import autograder

        autograder.__path__.append(GRADER_PATH)  # the grader side, for the runner alone
        from autograder.sandbox import run_jobs

        run_jobs(runner_end, jobs_in, results_out)
        os._exit(0)
    runner_end.close()
    results_out.write(b'{"ready": true}\n')
    jobs_in.close()
    results_out.close()  # the zygote and its students keep no way to speak to the engine
    _zygote(zygote_end)


if __name__ == "__main__":
    main()
