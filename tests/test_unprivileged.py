"""The engine without root: a hostile slice of the sample class, graded by an ordinary user.

Run as root (CI), the test makes a throwaway user, grades as that user in each sandbox mode
the machine offers without root ("subuid" when the user has subordinate uids and newuidmap,
"userns" always), and removes the user. Run as an ordinary user, it grades as that user. Each
run must give the declared scores, leave no process behind (the fork bomb and the daemon
included), and leave alone a process of the same user started outside the engine.
"""

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from autograder.engine import subordinate_range
from autograder.notebooks import ROOT

SCRIPT = ROOT / "tests" / "unprivileged_grading.py"
COPY = ["autograder", "samples", "source", "nbgrader_config.py", "tests/unprivileged_grading.py"]


def _replace(path: Path, data: bytes) -> None:
    """Write a new file at `path`: it is a hard link, and the original must not change."""
    mode = path.stat().st_mode
    path.unlink()
    path.write_bytes(data)
    path.chmod(mode)


class ThrowawayUser:
    """An ordinary user with a copy of the course and of its Python environment it can read."""

    def __init__(self) -> None:
        self.name = f"ag{uuid.uuid4().hex[:8]}"
        self.base = Path(tempfile.mkdtemp(prefix="unprivileged-"))
        subprocess.run(["useradd", "--create-home", "--home-dir", str(self.base / "home"), self.name], check=True)
        self.uid = pwd.getpwnam(self.name).pw_uid
        self.base.chmod(0o755)
        self.repo = self.base / "course"
        for item in COPY:  # hard links: instant, and the files keep their (world-readable) modes
            (self.repo / item).parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["cp", "-al", str(ROOT / item), str(self.repo / item)], check=True)
        self.python = self._environment()

    def _environment(self) -> str:
        """sys.prefix copied by hard links; its interpreter relinked to one this user can run."""
        venv = self.base / "venv"
        # the real folder: were .venv a symlink, cp -a would copy the link and the relinking below
        # would rewrite the course's own environment
        prefix = os.path.realpath(sys.prefix)
        subprocess.run(["cp", "-al", prefix, str(venv)], check=True)
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        base = next((p for p in (os.path.realpath(sys.executable), f"/usr/bin/{version}", f"/usr/local/bin/{version}")
                     if self.run(["test", "-x", p]).returncode == 0), None)
        if base is None:
            pytest.fail(f"no {version} that an ordinary user can run: install Debian's python3 ({version})")
        for link in (venv / "bin").iterdir():
            if link.name.startswith("python") and link.is_symlink():
                link.unlink()
                link.symlink_to(base)
            elif link.is_file() and link.read_bytes().startswith(b"#!" + prefix.encode()):
                _replace(link, link.read_bytes().replace(prefix.encode(), str(venv).encode(), 1))
        cfg = venv / "pyvenv.cfg"
        _replace(cfg, "".join(f"home = {os.path.dirname(base)}\n" if line.startswith("home") else line + "\n"
                              for line in cfg.read_text().splitlines()).encode())
        return str(venv / "bin" / "python")

    def run(self, cmd: list[str], env: dict | None = None, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--init-groups",
                               "env", "-i", f"HOME={self.base / 'home'}", f"USER={self.name}",
                               "PATH=/usr/local/bin:/usr/bin:/bin", *(f"{k}={v}" for k, v in (env or {}).items()),
                               *cmd], capture_output=True, text=True, **kw)

    def processes(self) -> list[str]:
        """Processes of this user or of its subordinate uids: "pid uid command"."""
        ranges = [(self.uid, 1), subordinate_range("/etc/subuid", {self.name}) or (self.uid, 1)]
        out = subprocess.run(["ps", "-eo", "pid=,uid=,args="], capture_output=True, text=True).stdout
        return [line.strip() for line in out.splitlines()
                if any(start <= int(line.split()[1]) < start + n for start, n in ranges)]

    def remove(self) -> None:
        for _ in range(3):  # its own uid and its subordinate ones (a broken sandbox leaves those):
            pids = [line.split()[0] for line in self.processes()]  # stopped first, so none forks again
            for sig in ("-STOP", "-KILL"):
                subprocess.run(["kill", sig, *pids], capture_output=True) if pids else None
        subprocess.run(["userdel", self.name], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def user():
    if os.geteuid() != 0:
        yield None  # already an ordinary user: grade as ourselves
        return
    u = ThrowawayUser()
    try:
        yield u
    finally:
        u.remove()


def _modes(user) -> list[str]:
    name = user.name if user else pwd.getpwuid(os.getuid()).pw_name
    return (["subuid"] if subordinate_range("/etc/subuid", {name}) and shutil.which("newuidmap") else []) + ["userns"]


def test_an_ordinary_user_grades_a_hostile_class_to_the_declared_scores_and_leaves_no_process(user, tmp_path):
    for mode in _modes(user):
        env = {"AUTOGRADER_SANDBOX": mode, "AUTOGRADER_CASE_SECONDS": "5",
               "PYTHONPATH": str(user.repo if user else ROOT)}
        if user:
            course_root = user.base / "home" / f"class-{mode}"
            sentinel = subprocess.Popen(["setpriv", f"--reuid={user.uid}", f"--regid={user.uid}", "--init-groups",
                                         "sleep", "600"])
            done = user.run([user.python, str(user.repo / "tests" / "unprivileged_grading.py"), str(course_root)],
                            env=env, timeout=900)
        else:
            course_root = tmp_path / f"class-{mode}"
            sentinel = subprocess.Popen(["sleep", "600"])
            done = subprocess.run([sys.executable, str(SCRIPT), str(course_root)], capture_output=True, text=True,
                                  env={**os.environ, **env}, timeout=900)
        try:
            assert done.returncode == 0, done.stderr[-3000:]
            report = json.loads(done.stdout.strip().splitlines()[-1])
            assert report["mode"] == mode and report["uid"] != 0
            assert report["got"] == report["expected"], mode
            assert report["left"] == [], mode
            assert sentinel.poll() is None, f"{mode}: grading killed a process of the same user"
            if user:
                assert [p for p in user.processes() if int(p.split()[0]) != sentinel.pid] == [], mode
        finally:
            sentinel.kill()
            sentinel.wait()


def test_where_the_kernel_forbids_user_namespaces_one_sentence_says_what_to_enable():
    # A user namespace of our own where no further one may be created: what an ordinary user meets
    # on a kernel that forbids them.
    forbid = "echo 0 > /proc/sys/user/max_user_namespaces && exec \"$0\" -c \"$1\""
    check = "from autograder.engine import _check_user_namespaces; _check_user_namespaces()"
    done = subprocess.run(["unshare", "--user", "--map-root-user", "sh", "-c", forbid, sys.executable, check],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "does not let an ordinary user create user namespaces" in last
    assert "user.max_user_namespaces" in last and "or grade as root" in last
