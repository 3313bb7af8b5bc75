"""The course's notebooks: where they are, how they are built, executed and kept clean.

One execution environment (`KERNEL_ENV`) serves the stored outputs (`regenerate`), nbval in
CI (tests/conftest.py) and grading, so stored outputs match what CI sees.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

import nbformat
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parent.parent
COURSE, SOURCE, RELEASE = ROOT / "course", ROOT / "source", ROOT / "release"

# Environment of every kernel that produces or checks stored outputs (facts.md §3).
KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "PYTHONHASHSEED": "0",
    "AUTOGRADER_SEED": "0",
    "CUDA_VISIBLE_DEVICES": "",
}
# Kernel arguments: TensorFlow's C++ log cannot reach cell outputs; tracebacks stay short.
KERNEL_ARGS = ["--IPKernelApp.capture_fd_output=False", "--InteractiveShell.xmode=Minimal"]

def write_kernelspec(data_dir: Path, python: str | None = None) -> Path:
    """A `python3` kernel spec for students' JupyterLab under `data_dir` (a JUPYTER_PATH entry).

    It starts this environment's Python with KERNEL_ARGS and TensorFlow's log settings, so the C++
    start-up log ("Could not find cuda drivers...") stays in the terminal instead of landing in
    the setup cell as a red stderr box: TF_CPP_MIN_LOG_LEVEL alone does not silence it in 2.21.
    `python` is the kernel's interpreter (default: this one; a class's students get theirs).
    """
    import json
    import sys

    spec = data_dir / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in KERNEL_ENV.items() if k != "AUTOGRADER_SEED"}
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [python or sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", *KERNEL_ARGS],
        "display_name": "Python 3 (ipykernel)", "language": "python", "env": env,
        "metadata": {"debugger": True}}, indent=1) + "\n")
    return spec


SETUP_MARK = "# Setup"
SETUP_SOURCE = """\
# Setup: run this cell first. It keeps TensorFlow's start-up log out of the notebook.
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
import numpy as np
import tensorflow as tf
tf.get_logger().setLevel("ERROR")
print("TensorFlow", tf.__version__)"""


def units() -> list[str]:
    """Assignment names, in course order (the folders of source/)."""
    return sorted(p.name for p in SOURCE.iterdir()
                  if re.match(r"\d\d_", p.name) and (p / f"{p.name}.ipynb").is_file())


def lectures() -> list[Path]:
    return sorted(COURSE.glob("[0-9][0-9]_*.ipynb"))


def exercise(unit: str, root: Path = SOURCE) -> Path:
    """The notebook of a unit under source/ (or release/ with root=RELEASE)."""
    return root / unit / f"{unit}.ipynb"


def read(path: Path) -> NotebookNode:
    """Read a notebook, or raise ValueError naming the file and what to do."""
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such notebook; check the path") from None
    except Exception as e:
        raise ValueError(f"{path}: not a readable notebook ({type(e).__name__}: {e}); "
                         "restore it from git or re-download it") from None


# --- authoring: cells with nbgrader metadata ------------------------------------------
def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: int | None = None) -> dict:
    m = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
         "solution": solution, "task": False}
    if points is not None:
        m["points"] = points
    return {"nbgrader": m}


def markdown(text: str, grade_id: str | None = None) -> NotebookNode:
    """A markdown cell; with grade_id it is locked (read-only) in the exercise."""
    cell = nbformat.v4.new_markdown_cell(text.strip())
    if grade_id:
        cell.metadata.update(_meta(grade_id, locked=True))
    return cell


def code(source: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(source.strip())


def setup_cell(extra: str = "") -> NotebookNode:
    """The locked, ungraded setup cell every exercise starts with."""
    cell = nbformat.v4.new_code_cell((SETUP_SOURCE + "\n" + extra).strip())
    cell.metadata.update(_meta("setup", locked=True))
    return cell


def solution_cell(name: str, solution: str, signature: str) -> NotebookNode:
    """The cell where the student writes `name`; nbgrader replaces the solution with a stub."""
    body = f"{signature}\n    ### BEGIN SOLUTION\n{solution.rstrip()}\n    ### END SOLUTION"
    cell = nbformat.v4.new_code_cell(body)
    cell.metadata.update(_meta(name, solution=True))
    return cell


def test_cell(name: str, points: int) -> NotebookNode:
    """The locked test cell of question `name`: public cases, then hidden random cases."""
    source = (f"# Checks {name}: the lecture's values, then random cases (new ones each run).\n"
              f"with checking({name!r}, {name}) as check:\n"
              "    check.public()\n"
              "    check.random()\n"
              "    ### BEGIN HIDDEN TESTS\n"
              "    check.hidden()\n"
              "    ### END HIDDEN TESTS")
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(_meta(f"test_{name}", grade=True, locked=True, points=points))
    return cell


def new_notebook(cells: list[NotebookNode]) -> NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def nbgrader_cells(nb: NotebookNode) -> Iterator[tuple[NotebookNode, dict]]:
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta:
            yield cell, meta


# --- execution ------------------------------------------------------------------------
def execute(nb: NotebookNode, cwd: Path, timeout: int = 600) -> NotebookNode:
    """Run every cell top to bottom in a fresh kernel with the course's environment."""
    from nbclient import NotebookClient

    env = {**os.environ, **KERNEL_ENV}
    env.pop("MPLBACKEND", None)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
                            extra_arguments=KERNEL_ARGS, record_timing=False, allow_errors=True)
    client.execute(env=env)
    return nb


def regenerate(path: Path) -> list[str]:
    """Re-execute a stored notebook in place; return the hygiene problems of the result."""
    nb = read(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.get("metadata", {}).pop("execution", None)
    execute(nb, path.parent)
    from nbconvert.preprocessors.coalescestreams import CoalesceStreamsPreprocessor

    CoalesceStreamsPreprocessor().preprocess(nb, {})  # one print may arrive as several messages
    nbformat.write(nb, str(path))
    return hygiene(nb, path)


# --- hygiene --------------------------------------------------------------------------
LOG_LINE = re.compile(r"oneDNN custom operations|cpu_feature_guard|absl::InitializeLog|"
                      r"WARNING:tensorflow|I0000 |E0000 |W0000 |This TensorFlow binary")
ADDRESS = re.compile(r"0x[0-9a-f]{6,}|ipykernel_\d+|/tmp/ipykernel")
EXPECTED_ERROR = ("raises-exception", "NBVAL_RAISES_EXCEPTION")


def expects_error(cell: NotebookNode) -> bool:
    tag, comment = EXPECTED_ERROR
    return tag in cell.get("metadata", {}).get("tags", []) or comment in cell.source


def hygiene(nb: NotebookNode, path: Path) -> list[str]:
    """Problems that make a stored notebook unfit to commit (empty list if none)."""
    problems = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if not code_cells or not code_cells[0].source.startswith(SETUP_MARK):
        problems.append(f"{path.name}: the first code cell is not the setup cell")
    counts = [c.execution_count for c in code_cells]
    if any(n is None for n in counts) or counts != list(range(1, len(counts) + 1)):
        problems.append(f"{path.name}: execution counts are not 1..{len(counts)} in order "
                        "(run ./course.sh regen)")
    for i, cell in enumerate(code_cells, 1):
        for out in cell.get("outputs", []):
            text = _output_text(out)
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"{path.name} cell [{i}]: stderr output: {text[:80]!r}")
            if out.get("output_type") == "error" and not expects_error(cell):
                problems.append(f"{path.name} cell [{i}]: unexpected {out.get('ename')}: {out.get('evalue', '')[:80]}")
            if LOG_LINE.search(text):
                problems.append(f"{path.name} cell [{i}]: TensorFlow log line in output")
            if ADDRESS.search(text):
                problems.append(f"{path.name} cell [{i}]: memory address or kernel path in output")
        if expects_error(cell) and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            problems.append(f"{path.name} cell [{i}]: marked as raising, but raised nothing")
    return problems


def _output_text(out: NotebookNode) -> str:
    if out.get("output_type") == "stream":
        return out.get("text", "")
    if out.get("output_type") == "error":
        return out.get("evalue", "") + "\n".join(out.get("traceback", []))
    data = out.get("data", {})
    return str(data.get("text/plain", "")) + str(data.get("text/html", ""))
