"""Running the nbgrader course: release, autograde, feedback, export, and the grade table.

Everything goes through nbgrader's own command line and gradebook, as an instructor would
use them; this module adds progress, one-sentence errors and a summary table.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import engine
from .errors import CourseError
from .notebooks import ROOT, RELEASE, SOURCE, exercise, units
from .report import Progress


def nbgrader(args: list[str], root: Path, log: Path, on_line=None, command: list[str] | None = None,
             stdin: int | None = None) -> None:
    """Run `nbgrader ARGS` in course root `root`, logging to `log`; raise CourseError on failure.

    `command`: what runs instead of the nbgrader executable (the same environment and log);
    `stdin`: a descriptor it reads (default: none).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    bindir = os.path.dirname(sys.executable)
    exe = shutil.which("nbgrader", path=bindir) or "nbgrader"
    # nbgrader runs `alembic` by name: the environment's bin/ must come first on PATH.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    with open(log, "a") as out:
        out.write(f"$ nbgrader {' '.join(args)}\n")
        proc = subprocess.Popen(command or [exe, *args], cwd=root, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=env,
                                stdin=subprocess.DEVNULL if stdin is None else stdin)
        for line in proc.stdout:
            out.write(line)
            if on_line:
                on_line(line)
        code = proc.wait()
    if code != 0:
        raise CourseError(f"`nbgrader {' '.join(args)}` failed (exit {code}); its log is {log}")


def check_sources(names: list[str], source: Path = SOURCE) -> None:
    """Fail early, naming the file, if a source notebook is missing or unreadable."""
    from . import notebooks

    for name in names:
        path = exercise(name, source)
        if not path.exists():
            raise CourseError(f"{path} does not exist: each assignment needs source/<name>/<name>.ipynb")
        notebooks.read(path)


def release(names: list[str], root: Path = ROOT, log: Path | None = None) -> None:
    """`nbgrader generate_assignment NAME --force` for each assignment (writes release/ and the gradebook)."""
    log = log or root / "build" / "logs" / "release.log"
    check_sources(names, root / "source")
    nbgrader_each("generate_assignment", names, root, log)


def nbgrader_each(step: str, names: list[str], root: Path, log: Path) -> None:
    """`nbgrader STEP NAME --force` for each assignment, all in one process.

    nbgrader's own app classes run as its command line runs them (what NbGraderAPI, behind the
    formgrader's buttons, does too): its start-up, ~3.5 s of CPU, is paid once rather than once per
    assignment, and the files are the command line's (tests/test_notebooks.py compares them).
    """
    nbgrader([step, *names, "--force"], root, log, command=_each_command(step, names))


def _each_command(step: str, names: list[str]) -> list[str]:
    return [sys.executable, "-c", "import sys; from autograder.course import _run_each; "
            "sys.exit(_run_each(sys.argv[1], sys.argv[2:]))", step, *names]


class AsGraded:
    """`nbgrader STEP NAME --force` for each assignment handed over with `add`, as `nbgrader_each`
    runs it, in one process started at once: its start-up and its work overlap the grading of
    the next assignments instead of following all of them. `close` waits for the last; then
    `error` holds the CourseError `nbgrader_each` would have raised, if any. As a context
    manager it closes on exit and raises that error, unless the block raised one of its own."""

    def __init__(self, step: str, root: Path, log: Path) -> None:
        read, self._write = os.pipe()
        self.error: CourseError | None = None

        def run() -> None:
            try:
                nbgrader([step, "<each assignment as it is graded>", "--force"], root, log,
                         command=_each_command(step, ["-"]), stdin=read)
            except CourseError as e:
                self.error = e
            finally:
                os.close(read)

        self._thread = threading.Thread(target=run, name=f"nbgrader {step}", daemon=True)
        self._thread.start()

    def add(self, name: str) -> None:
        with contextlib.suppress(BrokenPipeError):  # it failed already: `error` says so at the end
            os.write(self._write, f"{name}\n".encode())

    def close(self) -> None:
        os.close(self._write)
        self._thread.join()

    def __enter__(self) -> "AsGraded":
        return self

    def __exit__(self, kind, *_) -> None:
        self.close()
        if kind is None and self.error:
            raise self.error


def _run_each(step: str, names: list[str]) -> int:
    """In the course root (the current directory): nbgrader STEP for each of `names`; 1 at the first failure."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters import GenerateAssignment, GenerateFeedback
    from nbgrader.utils import capture_log, temp_attrs

    app_class = {"generate_assignment": GenerateAssignment, "generate_feedback": GenerateFeedback}[step]
    api = NbGraderAPI(config=engine.load_config(Path.cwd()))
    if names == ["-"]:  # one name per line on stdin, each run as it comes (AsGraded)
        names = (line.strip() for line in iter(sys.stdin.readline, ""))
    for name in names:
        with temp_attrs(api.coursedir, assignment_id=name):
            app = app_class(coursedir=api.coursedir, parent=api)
            app.force = True
            result = capture_log(app)
        print(result.get("log", ""), end="")
        if not result["success"]:
            print(result.get("error", ""))
            print(f"{step} {name} failed")
            return 1
    return 0


CANVAS_EXPORTER = "autograder.lms_export.CanvasExportPlugin"

_AUTOGRADING = re.compile(r"Autograding .*/autograded/([^/]+)/")


def autograde(name: str, root: Path, students: int, log: Path) -> None:
    """`nbgrader autograde NAME --force` with a progress bar over the submissions."""
    bar = Progress(students, f"{name:<24}")

    def on_line(line: str) -> None:
        m = _AUTOGRADING.search(line)
        if m:
            bar.step(m.group(1))

    nbgrader(["autograde", name, "--force"], root, log, on_line)
    while bar.done < bar.total:  # submissions nbgrader skipped still count as handled
        bar.step("")


def scores(root: Path, names: list[str]) -> dict[str, dict[str, dict[str, float | None]]]:
    """{assignment: {student: {question: auto score}}} read from the course's gradebook."""
    from nbgrader.api import Gradebook

    url = engine.gradebook_url(root)
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    with engine.reaching_gradebook(url), Gradebook(url) as gb:
        for name in names:
            out[name] = {}
            for sub in gb.assignment_submissions(name):
                per_q: dict[str, float | None] = {}
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        if grade.cell.name.startswith("test_"):
                            per_q[grade.cell.name.removeprefix("test_")] = grade.auto_score
                out[name][sub.student.id] = per_q
    return out


def setup_sample_root(root: Path, share: bool = True) -> None:
    """A separate nbgrader course root for the sample class.

    share=True links the repository's source/ and release/ (the demo regenerates release/);
    share=False copies source/ and lets nbgrader write a private release/ (tests).
    """
    root.mkdir(parents=True, exist_ok=True)
    if not share:
        shutil.copytree(SOURCE, root / "source", dirs_exist_ok=True)
    for link, target in ((("source", SOURCE), ("release", RELEASE)) if share else ()):
        path = root / link
        if path.is_symlink() or path.exists():
            if path.is_symlink() and path.resolve() == target.resolve():
                continue
            if path.is_symlink() or path.is_file():
                path.unlink()
            else:
                shutil.rmtree(path)
        path.symlink_to(target, target_is_directory=True)
    (root / "nbgrader_config.py").write_text(
        "# The sample class's course root: the repository's configuration, this folder as root.\n"
        f"load_subconfig({str(ROOT / 'nbgrader_config.py')!r})\n"
        "import os\n"
        "c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))\n"
        "# its own gradebook, even when the repository's configuration names a class's database\n"
        "c.CourseDirectory.db_url = 'sqlite:///' + os.path.join(c.CourseDirectory.root, 'gradebook.db')\n")


def all_units() -> list[str]:
    names = units()
    if not names:
        raise CourseError(f"{SOURCE} has no assignments (folders named like 01_tensors)")
    return names


def grade_sample_class(root: Path, names: list[str], share: bool = True, echo=print,
                       stock: bool = False, hostile: bool = True, workers: int | None = None) -> dict:
    """The main job: release, build the sample class, autograde, feedback, export, and the
    similarity report of the units with planted pairs (samples/similar/).

    Returns {"expected", "got", "maxima", "log", "seconds", "similarity"}; expected and got map
    assignment -> student -> question -> points; similarity maps assignment -> its Report.
    """
    from . import sample_class, similarity

    start = time.monotonic()
    log = root / "logs" / "nbgrader.log"
    for stale in ("submitted", "autograded", "feedback", "logs", "reports"):
        shutil.rmtree(root / stale, ignore_errors=True)
    for stale in ("gradebook.db", "grades.csv", "canvas-grades.csv", "due-dates.csv"):
        (root / stale).unlink(missing_ok=True)
    setup_sample_root(root, share)
    pool = None
    if not stock:  # the workers import TensorFlow while release/ and the class are written
        (root / "logs").mkdir(parents=True, exist_ok=True)
        pool = engine.Pool(workers or os.cpu_count() or 1, root / "logs" / "engine.log")
    try:
        echo(f"1. nbgrader generate_assignment: release/ from source/ ({', '.join(names)})")
        release(names, root, log)
        echo("2. the sample class: real submissions made from release/, the solutions and samples/wrong/")
        expected = sample_class.write_class(root, names, hostile=hostile, only_honest=stock)
        echo(f"   {sum(len(v) for v in expected.values())} submissions in {root}/submitted/, each with its timestamp.txt")
        echo(f"   roster and due dates: nbgrader db student import {sample_class.ROSTER.relative_to(ROOT)}; "
             "nbgrader db assignment import due-dates.csv")
        nbgrader(["db", "student", "import", str(sample_class.ROSTER)], root, log)
        sample_class.write_due_dates(root / "due-dates.csv", names)
        nbgrader(["db", "assignment", "import", str(root / "due-dates.csv")], root, log)
        if stock:
            echo("3. nbgrader autograde (stock: student code runs in the grader's own kernel)")
            for name in names:
                autograde(name, root, len(expected[name]), log)
        else:
            echo(f"3. the grading engine: sandboxed ({engine.sandbox_mode()[0]} mode), {len(pool.workers)} "
                 "workers, the assignments one after another in one stream; nbgrader generate_feedback "
                 "for each as soon as it is graded")
            with AsGraded("generate_feedback", root, log) as feedback:
                engine.grade_all(root, names, force=True, echo=echo, pool=pool, on_graded=feedback.add)
    finally:
        if pool is not None:
            pool.close()
    echo("4. nbgrader export" if not stock else "4. nbgrader generate_feedback and export")
    if stock:
        nbgrader_each("generate_feedback", names, root, log)
    nbgrader(["export", "--to", str(root / "grades.csv")], root, log)
    nbgrader(["export", f"--exporter={CANVAS_EXPORTER}", "--to", str(root / "canvas-grades.csv")], root, log)
    if not stock:
        from . import class_report

        echo("5. class reports: what the class got wrong, from the causes the engine recorded")
        for name in names:
            class_report.write(root, name)
    reports = {}
    for name in [n for n in names if n in sample_class.similarity_units()]:
        echo(f"6. the similarity report of {name}: reports/similarity-{name}.html")
        reports[name] = similarity.write(root, name)
    maxima = {name: float(sum(sample_class.Unit.load(name, root / "source").points.values()))
              for name in names}
    return {"expected": expected, "got": scores(root, names), "maxima": maxima, "log": log,
            "seconds": time.monotonic() - start, "similarity": reports}
