"""pyproject.toml, environment.yml and constraints.txt pin the same versions, and the lock
resolves on every Python that course.sh accepts."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def pins(lines):
    return {re.split(r"==", line)[0].strip().lower().replace("_", "-"): line.split("==")[1].split()[0]
            for line in lines if "==" in line}


def test_environment_yml_lists_the_same_packages_and_versions_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    conda = [line.strip().lstrip("- ").split("#")[0].strip()
             for line in (ROOT / "environment.yml").read_text().splitlines()
             if line.strip().startswith("- ") and "==" in line]
    assert pins(project) == pins(conda)


def test_every_pin_matches_the_lock_file():
    project = pins(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    lock = pins(l for l in (ROOT / "constraints.txt").read_text().splitlines() if not l.startswith("#"))
    assert {name: lock.get(name) for name in project} == project


def test_every_dependency_is_pinned_exactly():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert deps and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", d) for d in deps)


# --- The lock holds on every Python the course supports (issue 9) -------------------------------

SUPPORTED = SpecifierSet(
    tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
# fast-deps reads each wheel's metadata with HTTP range requests: without it, an index that
# serves no separate metadata files (PEP 658) makes a dry run download every wheel, TensorFlow's
# 600 MB three times over.
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
INSTALL = ["install", "--dry-run", "-q", "--ignore-installed", "--use-feature=fast-deps"]


def python_version(command):
    """The version of the interpreter `command`, or None where it is missing or does not run
    (a pyenv shim for a version that is not selected, say)."""
    path = shutil.which(command)
    if path is None:
        return None
    try:
        out = subprocess.run([path, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Version(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def oldest_supported_python():
    """The oldest supported interpreter on this machine: Debian 12's own 3.11.2 where it is there.
    The course's own Python is a candidate too, so there is always one."""
    found = {}
    for command in ["/usr/bin/python3.11", "python3.11", "python3.12", "python3.13",
                    "/usr/bin/python3", "python3", sys.executable]:
        version = python_version(command)
        if version is not None and version in SUPPORTED:
            found.setdefault(version, shutil.which(command))
    return min(found.items())


def lock_pins_for(version):
    """constraints.txt's pins whose environment markers hold for CPython `version` on this
    platform. pip evaluates the markers of a requirements file for the Python it runs on, not for
    --python-version, so they are evaluated here."""
    env = default_environment() | {"python_version": version, "python_full_version": version + ".0",
                                   "implementation_version": version + ".0"}
    pins = []
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(env):
                pins.append(f"{requirement.name}{requirement.specifier}")
    return pins


def course_sh_bounds():
    """The oldest and newest minor version of Python 3 that course.sh accepts."""
    bounds = re.search(r"^PY_MIN=(\d+) PY_MAX=(\d+)$", (ROOT / "course.sh").read_text(), re.M)
    return int(bounds[1]), int(bounds[2])


def test_course_sh_supports_the_pythons_pyproject_names():
    low, high = course_sh_bounds()
    assert all(f"3.{minor}.0" in SUPPORTED for minor in range(low, high + 1))
    assert f"3.{low - 1}.99" not in SUPPORTED and f"3.{high + 1}.0" not in SUPPORTED


def test_course_sh_names_the_python_to_install_before_downloading_anything(tmp_path):
    for name in ["course.sh", "pyproject.toml", "constraints.txt"]:
        shutil.copy(ROOT / name, tmp_path / name)
    low, high = course_sh_bounds()
    for minor in [low - 1, high + 1]:
        fake = tmp_path / f"python3.{minor}"
        fake.write_text(f"#!/bin/sh\necho {minor}\n")
        fake.chmod(0o755)
        run = subprocess.run(["bash", str(tmp_path / "course.sh"), "nbgrader", "--version"],
                             capture_output=True, text=True, timeout=60,
                             env=os.environ | {"PYTHON": str(fake)})
        assert run.returncode == 1 and not (tmp_path / ".venv").exists()
        assert run.stderr.count("\n") == 1 and f"install Python 3.{high}" in run.stderr, run.stderr


def test_the_lock_resolves_on_every_supported_python(tmp_path):
    """Every pin of constraints.txt resolves, as course.sh installs it, with the oldest supported
    interpreter found here (Debian 12's 3.11.2 on the course's machine) and, without their
    interpreters, on the newer ones (3.12, 3.13) from their binary wheels."""
    version, python = oldest_supported_python()
    venv = tmp_path / "oldest"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    lock = str(ROOT / "constraints.txt")
    runs = {f"the oldest Python here, {python} ({version})": subprocess.Popen(
        PIP + ["--python", str(venv / "bin" / "python")] + INSTALL
        + ["-c", lock, "-r", lock, "-e", str(ROOT)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)}
    low, high = course_sh_bounds()
    for other in [f"3.{minor}" for minor in range(low + 1, high + 1)]:
        pins = tmp_path / f"pins-{other}.txt"
        pins.write_text("\n".join(lock_pins_for(other)) + "\n")
        runs[f"Python {other}"] = subprocess.Popen(
            PIP + INSTALL + ["--only-binary=:all:", "--python-version", other, "--target",
                             str(tmp_path / f"target-{other}"), "-c", str(pins), "-r", str(pins)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    failed = {}
    for name, run in runs.items():
        out, _ = run.communicate(timeout=600)
        if run.returncode:
            failed[name] = "\n".join(
                line for line in out.splitlines()
                if "is ignored" not in line and "fast-deps" not in line)[-3000:]
    assert not failed, "constraints.txt does not resolve on " + "; ".join(
        f"{name}:\n{out}" for name, out in failed.items()) + (
        "\n(a pin that needs a newer Python, or has no wheel for this one; regenerate the lock"
        " with ./course.sh lock)")
