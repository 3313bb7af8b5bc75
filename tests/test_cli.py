"""./course.sh as people call it: options passed through to JupyterLab, paths taken from where they stand."""

from __future__ import annotations

import os
import subprocess
import time
import json
import sys
import urllib.request
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

from autograder import notebooks
from autograder.postgres import free_port

ROOT = Path(__file__).resolve().parent.parent
COURSE = str(ROOT / "course.sh")


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
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernelspecs?token={token}", timeout=5) as r:
                    specs = json.load(r)
            except OSError:
                time.sleep(0.5)
    finally:
        os.killpg(lab.pid, 15)
        out = lab.communicate(timeout=60)[0]
    assert status == 200, out[-2000:]
    assert "--IPKernelApp.capture_fd_output=False" in specs["kernelspecs"]["python3"]["spec"]["argv"], specs


def _stderr_of_setup_cell(kernel_name: str, jupyter_path: Path, monkeypatch) -> str:
    """Run the exercises' setup cell in a fresh kernel found on `jupyter_path`; what it wrote to stderr."""
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))  # kernel specs are looked up in this process
    # PYTEST_CURRENT_TEST: ipykernel does not capture fd output under pytest (ipykernel/iostream.py)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "CUDA_", "PYTEST_"))}
    env["JUPYTER_PATH"] = str(jupyter_path)
    km, kc = start_new_kernel(kernel_name=kernel_name, env=env)
    assert km.kernel_spec.resource_dir.startswith(str(jupyter_path)), km.kernel_spec.resource_dir
    try:
        kc.execute(notebooks.SETUP_SOURCE)
        stderr = []
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stderr":
                stderr.append(msg["content"]["text"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(stderr)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize("course_kernel", [True, False], ids=["course kernel", "plain kernel"])
def test_the_setup_cell_shows_no_tensorflow_log_in_a_student_s_kernel(tmp_path, course_kernel, monkeypatch):
    """The kernel spec `./course.sh lab` installs keeps TensorFlow's C++ log out of cells; a plain
    ipykernel spec (what a student's JupyterLab would use otherwise) shows it as stderr."""
    if course_kernel:
        notebooks.write_kernelspec(tmp_path)
    else:
        spec = tmp_path / "kernels" / "python3"
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3", "language": "python"}))
    stderr = _stderr_of_setup_cell("python3", tmp_path, monkeypatch)
    if course_kernel:
        assert stderr == ""
    else:
        assert "cuda" in stderr.lower() or "absl" in stderr, stderr


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


def test_grade_takes_several_assignments_as_one_stream_with_feedback_for_each(tmp_path):
    """`./course.sh grade A B`: both graded by one engine run (engine.grade_all), feedback written
    for each as it is graded (course.AsGraded), one grades.csv, a table per assignment."""
    from autograder import course, sample_class

    units = ["01_tensors", "09_under_the_hood"]
    course.setup_sample_root(tmp_path, share=False)
    course.release(units, tmp_path, tmp_path / "logs" / "release.log")
    sample_class.write_class(tmp_path, units, hostile=False)
    run = subprocess.run([COURSE, "grade", *units, "--root", str(tmp_path), "--workers", "2"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    for unit in units:
        students = sorted(p.name for p in (tmp_path / "submitted").iterdir() if (p / unit).is_dir())
        assert students and f"\n{unit}\n" in run.stdout
        for student in students:
            assert (tmp_path / "feedback" / student / unit / f"{unit}.html").exists(), (student, unit)
    rows = (tmp_path / "grades.csv").read_text().splitlines()
    assert {u for u in units if any(r.startswith(u + ",") for r in rows)} == set(units)
