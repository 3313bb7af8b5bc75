"""./course.sh as people call it: options passed through to JupyterLab, paths taken from where they stand."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE = str(ROOT / "course.sh")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_passes_jupyterlab_options_through(tmp_path):
    port, token = free_port(), "course-test"
    args = [COURSE, "lab", "--no-browser", f"--port={port}", f"--ServerApp.token={token}",
            "--ServerApp.ip=127.0.0.1"] + (["--allow-root"] if os.geteuid() == 0 else [])
    lab = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, start_new_session=True)
    try:
        status, deadline = None, time.monotonic() + 120
        while status is None and time.monotonic() < deadline and lab.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5) as r:
                    status = r.status
            except OSError:
                time.sleep(0.5)
    finally:
        os.killpg(lab.pid, 15)
        out = lab.communicate(timeout=60)[0]
    assert status == 200, out[-2000:]


def test_grade_and_nbgrader_work_on_the_current_directory(tmp_path):
    """Run from a folder that is not a course, the engine names that folder; nbgrader runs there too."""
    run = subprocess.run([COURSE, "grade", "01_tensors", "--no-feedback"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert f"{tmp_path} is not an nbgrader course root" in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'elsewhere'\n")
    run = subprocess.run([COURSE, "nbgrader", "db", "student", "list"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "gradebook.db").exists() and not (tmp_path / "source").exists()


def test_an_unknown_option_ends_with_one_line_and_status_2():
    run = subprocess.run([COURSE, "grade", "01_tensors", "--bogus"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 2 and "unrecognized arguments: --bogus" in run.stderr
