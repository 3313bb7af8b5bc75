"""Grade a hostile slice of unit 01's sample class with the engine, as whoever runs this script.

`tests/test_unprivileged.py` runs it as an ordinary user (a throwaway one when the tests run
as root). It prints one JSON line: the sandbox mode the engine chose, the scores it gave and
the scores the sample class declares, and any process this script started that outlived
grading. The script is a child subreaper, so an orphaned process it started anywhere below it
(a daemon) would be reparented to it, and so found.

    python tests/unprivileged_grading.py COURSE_ROOT
"""

import ctypes
import json
import os
import sys
import time
from pathlib import Path

STUDENTS = ["sample-correct", "hostile-fork-bomb", "hostile-daemon",
            "hostile-memory", "hostile-reach-grader", "hostile-forge-fds", "hostile-escape"]
UNIT = "01_tensors"


def descendants() -> list[str]:
    """Every process below this one: "pid command"."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        try:
            found.append(f"{pid} {open(f'/proc/{pid}/cmdline').read().replace(chr(0), ' ')[:120]}")
        except OSError:
            continue
        todo += children.get(pid, [])
    return found


def main() -> None:
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    import nbformat

    from autograder import course, engine, sample_class

    root = Path(sys.argv[1])
    course.setup_sample_root(root, share=False)
    course.release([UNIT], root, log=root / "logs" / "release.log")
    unit = sample_class.Unit.load(UNIT, root / "source")
    roster = {s.id: s for s in sample_class.students(unit)}
    expected = {}
    for sid in STUDENTS:
        dest = root / "submitted" / sid / UNIT / f"{UNIT}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(sample_class.submission(unit, roster[sid], root / "release"), str(dest))
        expected[sid] = {f"test_{q}": float(p) for q, p in roster[sid].expected(unit).items()}
    subs = engine.grade(root, UNIT, workers=2, echo=lambda *a: None)
    got = {s.student: {k: float(v) for k, v in s.scores.items()} for s in subs}
    deadline = time.monotonic() + 5
    while descendants() and time.monotonic() < deadline:  # workers still stopping, zombies to reap
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    print(json.dumps({"mode": engine.sandbox_mode()[0], "uid": os.getuid(), "got": got,
                      "expected": expected, "left": descendants()}))


if __name__ == "__main__":
    main()
