"""pyproject.toml, environment.yml and constraints.txt pin the same versions."""

import re
import tomllib
from pathlib import Path

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
