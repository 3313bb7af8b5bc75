"""A grading worker's start inside bubblewrap: the zygote and the student processes it forks.

The worker's sandbox holds the student side of the course at /opt/course (readable by every
uid) and the grader side at /opt/grader (mode 0700, root only). `main` imports TensorFlow and
the student side, runs no TensorFlow op, then forks once: the child becomes the trusted
runner (`autograder.sandbox`, grader side, imported only after the fork); the parent becomes
the **zygote**, which forks one student process per submission and never sees a submission.

A **student process** is PID 1 of a PID namespace of its own (a small *keeper* process
forked by the zygote creates it and reports how it ended), so killing it kills everything it
started, daemons and fork bombs included. It gets its own mount namespace with an empty /tmp,
its own /proc where the kernel allows it and the grader side covered by an empty folder,
closes every descriptor but its own end of its own channel, and gives up its privileges with
limits: as root in the sandbox (the engine run by root, or in a user namespace of subordinate
uids) it drops to the worker's unprivileged uid; otherwise it runs in a user namespace of its
own with the instructor's uid and no capability. Then it runs the student's cells and, on
request, one question's step on a case. Every frame it sends names the request it answers;
whatever it sends is only ever read as its own answer to the current request.
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
    "processes": 256,       # counts threads too: an honest process holds ~10 (TF_THREADS)
    "cpu_seconds": 300,
    "cell_seconds": 60,     # CPU time of one student cell: its process and every process it started
    "case_seconds": 10,     # CPU time of one call of a student's function, counted the same way
    "wall_factor": 3,       # and either may last this many times as long by the clock (code that waits)
    "output_bytes": 64 << 10,
}
TF_THREADS = {"intra_op": 1, "inter_op": 2}  # inter-op 1 can deadlock ops that wait on others
_CLONE_NEWNS, _CLONE_NEWUSER, _CLONE_NEWPID = 0x20000, 0x10000000, 0x20000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = \
    1, 2, 4, 8, 32, 4096, 0x4000, 0x40000
_PR_SET_DUMPABLE, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT = 4, 24, 38, 47
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


def _mount(source: bytes | None, target: bytes, fstype: bytes | None, flags: int, data: bytes | None) -> None:
    _check(_libc.mount(source, target, fstype, flags, data), f"mount {target.decode()}")


# --- student process ---------------------------------------------------------------------
def enter_namespaces() -> None:
    """New mount and PID namespaces for the next child (the keeper calls this).

    As root in the sandbox this needs nothing more. Otherwise the keeper first enters a user
    namespace of its own that maps its uid and gid to themselves, where it may create the others.
    """
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(_CLONE_NEWNS | _CLONE_NEWPID | (0 if uid == 0 else _CLONE_NEWUSER)),
           "unshare (mount, PID and user namespaces)")
    if uid != 0:
        # /proc/self of a process that is not dumpable belongs to root: dumpable only while it writes
        _check(_libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        _check(_libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")


def _private_mounts() -> None:
    """Mounts of its own: an empty /tmp and /dev/shm, its own /proc, the grader side covered.

    Nothing of an earlier student is visible. What the sandbox mounted below /tmp (the course's
    Python environment, when the course lives there) is carried over, read-only. The process
    holds no capability afterwards, and mounts made here cannot be undone from a namespace it
    creates later (the kernel locks them together), so the cover over the grader side stays.
    Where the kernel refuses a new /proc (in a user namespace whose /proc is partly covered),
    /proc keeps showing the worker's processes: they are not dumpable, so none of them can be
    read or traced from here, and PIDs outside this namespace cannot be signalled.
    """
    _mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None)
    held = [(path, os.open(path, os.O_PATH)) for path in _mounts_below("/tmp/")]
    for path in (b"/tmp", b"/dev/shm"):
        if os.path.isdir(path):
            _mount(b"tmpfs", path, b"tmpfs", 0, b"mode=1777,size=512m")
    for path, fd in held:
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}".encode(), path.encode(), None, _MS_BIND | _MS_REC, None)
        _mount(None, path.encode(), None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _kept_flags(path), None)
        os.close(fd)
    grader = os.path.dirname(GRADER_PATH).encode()
    _mount(b"tmpfs", grader, b"tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, b"mode=0,size=4k")
    with contextlib.suppress(OSError):
        _mount(b"proc", b"/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None)


def _kept_flags(path: str) -> int:
    """The flags a read-only remount of `path` must keep (in a user namespace they are locked)."""
    flag = os.statvfs(path).f_flag
    kept = flag & (os.ST_NOSUID | os.ST_NODEV | os.ST_NOEXEC | os.ST_NOATIME | os.ST_NODIRATIME)
    return kept | (1 << 21 if flag & os.ST_RELATIME else 0)  # MS_RELATIME


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
    """Give up every privilege in a private scratch folder, with resource limits.

    As root in the sandbox: drop to the worker's unprivileged uid. Otherwise (the instructor's
    uid in a user namespace of its own): drop every capability, for good.
    """
    os.makedirs(scratch, mode=0o700, exist_ok=True)
    os.chdir(scratch)
    os.setsid()
    if os.getuid() == 0:
        os.chown(scratch, STUDENT_UID, STUDENT_UID)
        os.setgroups([])
        os.setresgid(STUDENT_UID, STUDENT_UID, STUDENT_UID)
        os.setresuid(STUDENT_UID, STUDENT_UID, STUDENT_UID)
    else:
        _drop_capabilities()
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    for limit, value in ((resource.RLIMIT_AS, LIMITS["memory_bytes"]),
                         (resource.RLIMIT_NPROC, LIMITS["processes"]),
                         (resource.RLIMIT_CPU, LIMITS["cpu_seconds"]),
                         (resource.RLIMIT_FSIZE, 256 << 20),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))
    os.environ["HOME"] = scratch


def _drop_capabilities() -> None:
    """No capability now or after any execve: bounding and ambient sets emptied, then capset(0)."""
    _libc.prctl(_PR_CAP_AMBIENT, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        _check(_libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0), f"prctl(PR_CAPBSET_DROP, {cap})")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()                 # effective, permitted, inheritable: all zero
    _check(_libc.capset(header, data), "capset")
    if any(line.split()[1].strip("0") for line in open("/proc/self/status") if line.startswith("Cap")):
        raise OSError("a capability is left after dropping them all")


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
    """PID 1 of its own namespaces: isolate, drop privileges, serve the runner until it hangs up."""
    try:
        _private_mounts()
        _only_descriptor(sock.fileno())
        _become_student("/tmp/work")
        _student_main(sock)
    finally:
        os._exit(70)


# --- keeper and zygote -------------------------------------------------------------------
def _keeper(ours: socket.socket, report: int) -> None:
    """Create the student's namespaces, fork the student as their PID 1, then end as it ends.

    The student's PID (as the worker sees it) or why it could not start goes to `report`. When
    the student ends, the kernel kills whatever else is left in its PID namespace; the keeper
    then ends the same way, so the zygote's `wait` reads the student's own status.
    """
    try:
        enter_namespaces()
        pid = os.fork()
    except BaseException as e:  # noqa: BLE001 - said to the zygote, which tells the runner
        os.write(report, f"error: {e}".encode()[:4000])
        os._exit(71)
    if pid == 0:
        os.close(report)
        _student(ours)
    ours.close()
    os.write(report, str(pid).encode())
    os.close(report)
    try:
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if sig not in (signal.SIGKILL, signal.SIGSTOP):
                signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)
    finally:
        os._exit(70)  # a keeper never returns into the zygote's loop


def _start_student(sock: socket.socket | None) -> tuple[int, int, socket.socket | None, str]:
    """Fork a keeper and its student: (keeper pid, student pid, runner's end, why it failed)."""
    ours, theirs = socket.socketpair()
    report_r, report_w = os.pipe()
    keeper = os.fork()
    if keeper == 0:
        if sock is not None:
            sock.close()
        theirs.close()
        os.close(report_r)
        _keeper(ours, report_w)
    ours.close()
    os.close(report_w)
    with os.fdopen(report_r, "rb") as f:
        said = f.read(4096).decode(errors="replace")
    if said.isdigit():
        return keeper, int(said), theirs, ""
    theirs.close()
    os.waitpid(keeper, 0)
    return keeper, 0, None, said.removeprefix("error: ") or "the student process did not start"


def _zygote(sock: socket.socket) -> None:
    """Start student processes on request; report how they ended."""
    ended: dict[int, int] = {}    # keeper pid -> status
    keepers: dict[int, int] = {}  # student pid -> its keeper's pid
    while True:
        try:
            msg = json.loads(sock.recv(4096) or b'{"op": "quit"}')
        except (ConnectionError, ValueError):
            msg = {"op": "quit"}
        _reap(ended)
        if msg["op"] == "quit":
            os._exit(0)
        if msg["op"] == "fork":
            keeper, pid, theirs, why = _start_student(sock)
            if theirs is None:
                sock.sendall(json.dumps({"pid": 0, "error": why}).encode())
                continue
            keepers[pid] = keeper
            socket.send_fds(sock, [json.dumps({"pid": pid}).encode()], [theirs.fileno()])
            theirs.close()
        elif msg["op"] == "wait":
            pid, deadline = msg["pid"], time.monotonic() + msg.get("grace", 1.0)
            keeper = keepers.pop(pid, None)
            status = ended.pop(keeper, None) if keeper else -1
            while status is None:
                done, st = os.waitpid(keeper, os.WNOHANG)
                if done:
                    status = st
                elif time.monotonic() > deadline:
                    with contextlib.suppress(ProcessLookupError):  # it may be gone, its keeper not yet
                        os.kill(pid, signal.SIGKILL)  # PID 1 of its namespace: everything in it goes
                    os.waitpid(keeper, 0)
                    status = -1  # still running: we killed it
                else:
                    time.sleep(0.01)
            sock.sendall(json.dumps({"status": status}).encode())
        _reap(ended)


def _can_start_students() -> str:
    """Why this worker cannot start a student process, or "" if it can (one is started and ended)."""
    keeper, _, theirs, why = _start_student(None)
    if theirs is not None:
        theirs.close()  # the student reads end of file and ends, and its keeper with it
        os.waitpid(keeper, 0)
    return why


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
    # Not dumpable (inherited by every process forked from here): no process of the sandbox's
    # uid can read this one's memory, descriptors or root through /proc, nor trace it.
    _check(_libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")
    import numpy  # noqa: F401
    import tensorflow  # (imported once, no op run: forking stays safe)

    # TensorFlow's thread pools sized the same on every node, not by its core count: a student's
    # CPU time (what the case limits count) then tracks its computing, and its process count
    # stays far below LIMITS["processes"]. Workers, not threads, use a node's cores. Setting
    # them creates no context and runs no op.
    tensorflow.config.threading.set_intra_op_parallelism_threads(TF_THREADS["intra_op"])
    tensorflow.config.threading.set_inter_op_parallelism_threads(TF_THREADS["inter_op"])

    from . import steps

    steps.load()
    why = _can_start_students()
    if why:
        results_out.write((json.dumps({"ready": False, "error": why}) + "\n").encode())
        os._exit(1)
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
