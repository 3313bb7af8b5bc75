"""The `autograder` command (./course.sh runs it inside the course's virtual environment)."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

from . import course, notebooks, sample_class
from .errors import CourseError
from .report import grade_table
from .notebooks import ROOT

SAMPLE_ROOT = ROOT / "build" / "sample-class"


def cmd_demo(args: argparse.Namespace) -> int:
    """Build release/ and grade the bundled sample class with nbgrader, end to end."""
    names = args.units or course.all_units()
    root = Path(args.root).resolve()
    run = course.grade_sample_class(root, names)
    expected, got, maxima = run["expected"], run["got"], run["maxima"]
    totals = {name: {s: sum(v or 0 for v in per_q.values()) for s, per_q in got[name].items()}
              for name in names}
    print()
    print(grade_table(totals, maxima))
    wrong = [f"{name} {s} {q}: expected {want:g}, got {got[name].get(s, {}).get(q)}"
             for name in names for s, per_q in expected[name].items() for q, want in per_q.items()
             if got[name].get(s, {}).get(q) != want]
    n = sum(len(v) for v in expected.values())
    print()
    print(f"feedback: {_rel(root / 'feedback')}/<student>/<assignment>/<assignment>.html")
    print(f"grades:   {_rel(root / 'grades.csv')} (names from samples/roster.csv, late penalties from due dates)")
    print(f"Canvas:   {_rel(root / 'canvas-grades.csv')} (Canvas Gradebook > Import)")
    print(f"reports:  {_rel(root / 'reports')}/class-<assignment>.html (./course.sh report <assignment>)")
    print(f"log:      {_rel(run['log'])}")
    misranked = []
    for name, report in run["similarity"].items():
        print(f"similarity: {_rel(report.html_path)}")
        for pair, kind in ((sample_class.COPIED_PAIR, "planted copy"), (sample_class.CLOSE_PAIR, "honest close pair")):
            k = report.rank(*pair)
            print(f"  {kind} {pair[0]} ~ {pair[1]}: rank {k} of {len(report.pairs)}")
            if kind == "planted copy" and k != 1:
                misranked.append(f"{name}: the planted copy ranks {k}, not first")
    print(f"{n} submissions graded in {run['seconds']:.0f} s")
    if misranked:
        print("\n".join(misranked))
        return 1
    if wrong:
        print(f"{len(wrong)} question scores differ from the sample class's declared scores:")
        print("\n".join("  " + w for w in wrong))
        return 1
    print(f"all {sum(len(p) for e in expected.values() for p in e.values())} question scores "
          "are the ones the sample class declares")
    return 0


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade submitted/ with the sandboxed engine into nbgrader's gradebook; feedback and CSV."""
    from . import engine

    root = Path(args.root).resolve()
    log = root / "logs" / "nbgrader.log"
    # the whole class: each assignment's feedback is written while the next one grades
    whole_class = not (args.no_feedback or args.student)
    with course.AsGraded("generate_feedback", root, log) if whole_class else contextlib.nullcontext() as feedback:
        graded = engine.grade_all(root, args.assignment, args.student or None, args.force, args.workers,
                                  cluster="local" if args.local else args.cluster,
                                  on_graded=feedback.add if feedback else None)
    done = [a for a in args.assignment if graded[a]]
    if not done:
        return 0
    if not args.no_feedback:
        for assignment in done if args.student else []:
            course.nbgrader(["generate_feedback", assignment, "--force"]
                            + [f"--student={s}" for s in args.student], root, log)
        course.nbgrader(["export", "--to", str(root / "grades.csv")], root, log)
    for assignment in done:
        if len(args.assignment) > 1:
            print(f"\n{assignment}")
        print(engine_table(graded[assignment]))
    return 0


def engine_table(subs) -> str:
    """Per student: score, maximum, and why a submission scored zero without running."""
    by_student: dict[str, list] = {}
    for s in subs:
        by_student.setdefault(s.student, []).append(s)
    width = max(len(s) for s in by_student)
    lines = [f"{'student':<{width}}  {'score':>9}  seconds  note", "-" * (width + 30)]
    for student, items in sorted(by_student.items()):
        got = sum(v or 0 for s in items for v in s.scores.values())
        note = "; ".join(s.reason for s in items if s.reason)
        secs = sum(s.seconds for s in items)
        lines.append(f"{student:<{width}}  {got:>9g}  {secs:7.2f}  {note}")
    return "\n".join(lines)


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Start the Dask scheduler that grading nodes join (./course.sh node) and grade --cluster uses."""
    import socket

    try:
        with socket.create_server((args.host, args.port)):
            pass
    except OSError as e:
        raise CourseError(f"the scheduler cannot listen on {args.host}:{args.port} ({e.strerror}): "
                          "another scheduler may run there; pick another --port") from None
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or "dask"
    os.execv(dask, [dask, "scheduler", "--host", args.host, "--port", str(args.port), "--no-dashboard"])
    return 0


def cmd_node(args: argparse.Namespace) -> int:
    """Grade for a Dask scheduler on this machine: sandboxed workers, as ./course.sh grade starts them."""
    from . import cluster

    return cluster.serve_node(args.address, args.nthreads, args.timeout, args.name,
                              Path(args.log).resolve() if args.log else None)


def cmd_report(args: argparse.Namespace) -> int:
    """What the class got wrong: reports/class-A.html (scores, causes, times) and a summary."""
    from . import class_report

    root = Path(args.root).resolve()
    path, result = class_report.write(root, args.assignment)
    print(class_report.summary(result, _rel(path)))
    return 0


def cmd_similarity(args: argparse.Namespace) -> int:
    """Rank pairs of students by the answer code they share: reports/similarity-<A>.html."""
    from . import similarity

    root = Path(args.root).resolve()
    report = similarity.write(root, args.assignment, remove_reference=not args.count_reference)
    print(similarity.summary(report, args.top))
    print(f"report: {report.html_path}")
    for problem in report.problems:  # the rest of the class was compared all the same
        print(f"autograder similarity: {problem}", file=sys.stderr)
    return 1 if report.problems else 0


def cmd_release(args: argparse.Namespace) -> int:
    """Regenerate release/ from source/ with nbgrader (updates the gradebook too)."""
    names = args.units or course.all_units()
    course.release(names)
    print(f"release/ regenerated for {', '.join(names)}")
    return 0


def cmd_regen(args: argparse.Namespace) -> int:
    """Re-execute notebooks and store their outputs; report hygiene problems."""
    paths = [Path(p).resolve() for p in args.paths] or \
        notebooks.lectures() + [notebooks.exercise(u) for u in notebooks.units()]
    problems = []
    for path in paths:
        if not path.exists():
            raise CourseError(f"{path}: no such notebook; give a path under course/ or source/")
        start = time.monotonic()
        found = notebooks.regenerate(path)
        print(f"{path.relative_to(ROOT)}: {time.monotonic() - start:.1f} s"
              + (f", {len(found)} problems" if found else ""))
        problems += found
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


def cmd_kit(args: argparse.Namespace) -> int:
    """Write the student kit into DEST: the checks with a bank of pre-drawn cases, no solutions."""
    from . import kit

    start = time.monotonic()
    package = kit.build(Path(args.dest), args.units or None)
    banks = sorted(package.glob("bank/[0-9]*.json"))
    print(f"{package}: the student kit, checks for {len(banks)} units with their bank of cases, "
          f"in {time.monotonic() - start:.0f} s; put {package.parent} on the students' sys.path (a .pth file)")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    """Copy lectures and exercises to work/ (once) and start JupyterLab there."""
    work = ROOT / "work"
    copied = []
    for lecture in notebooks.lectures():
        dest = work / "lectures" / lecture.name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(lecture, dest)
            copied.append(dest)
    for name in notebooks.units():
        src = notebooks.exercise(name, notebooks.RELEASE)
        dest = work / "exercises" / name / src.name
        if src.exists() and not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            copied.append(dest)
    print(f"work/: {len(copied)} notebooks copied; your earlier work there is kept as it is")
    if args.no_start:
        return 0
    # The course's kernel spec comes first on JUPYTER_PATH: TensorFlow's start-up log stays out of cells.
    data_dir = notebooks.write_kernelspec(work / ".course").parent.parent
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(data_dir), os.environ.get("JUPYTER_PATH")]))
    jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable)) or "jupyter"
    os.execv(jupyter, [jupyter, "lab", f"--notebook-dir={work}", *args.lab_args])
    return 0


def cmd_hub(args: argparse.Namespace) -> int:
    """Start JupyterHub for a class: the instructor and students log in, nbgrader's exchange between them."""
    from . import hub

    students = [s for s in (args.students or "").split(",") if s] or hub.roster()
    return hub.run(Path(args.class_dir).resolve(), Path(args.course_root).resolve(), students,
                   args.password, args.hub_args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help=cmd_demo.__doc__)
    p.add_argument("units", nargs="*", help="assignments to grade (default: all)")
    p.add_argument("--root", default=str(SAMPLE_ROOT), help="course root for the sample class")
    p.set_defaults(run=cmd_demo)
    p = sub.add_parser("grade", help=cmd_grade.__doc__)
    p.add_argument("assignment", nargs="+",
                   help="the assignments to grade; several are graded as one stream of submissions")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--force", action="store_true", help="grade again students already graded")
    p.add_argument("--workers", type=int, default=None, help="parallel workers (default: one per core)")
    p.add_argument("--root", default=".", help="nbgrader course root (default: the current directory)")
    p.add_argument("--no-feedback", action="store_true", help="skip feedback HTML and grades.csv")
    p.add_argument("--cluster", metavar="tcp://HOST:PORT",
                   help="grade on the nodes of this Dask scheduler (default: c.Autograder.cluster "
                        "in nbgrader_config.py, else on this machine)")
    p.add_argument("--local", action="store_true", help="grade on this machine whatever nbgrader_config.py says")
    p.set_defaults(run=cmd_grade)
    p = sub.add_parser("scheduler", help=cmd_scheduler.__doc__)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; give the private "
                        "network's address for nodes on other machines)")
    p.add_argument("--port", type=int, default=8786)
    p.set_defaults(run=cmd_scheduler)
    p = sub.add_parser("node", help=cmd_node.__doc__)
    p.add_argument("address", help="the scheduler, tcp://HOST:PORT")
    p.add_argument("--nthreads", type=int, default=None, help="submissions graded at once (default: one per core)")
    p.add_argument("--timeout", type=float, default=60,
                   help="seconds to wait for the scheduler before giving up (default 60)")
    p.add_argument("--name", default=None, help="the node's name in the scheduler (default: its address)")
    p.add_argument("--log", default=None, help="the sandboxed workers' log (default build/logs/node.log)")
    p.set_defaults(run=cmd_node)
    p = sub.add_parser("report", help=cmd_report.__doc__)
    p.add_argument("assignment")
    p.add_argument("--root", default=".", help="nbgrader course root (default: the current directory)")
    p.set_defaults(run=cmd_report)
    p = sub.add_parser("similarity", help=cmd_similarity.__doc__)
    p.add_argument("assignment")
    p.add_argument("--root", default=".", help="nbgrader course root (default: the current directory)")
    p.add_argument("--top", type=int, default=5, help="pairs to print (the report lists more)")
    p.add_argument("--count-reference", action="store_true",
                   help="count code shared with the reference solution too (default: not counted)")
    p.set_defaults(run=cmd_similarity)
    p = sub.add_parser("release", help=cmd_release.__doc__)
    p.add_argument("units", nargs="*")
    p.set_defaults(run=cmd_release)
    p = sub.add_parser("regen", help=cmd_regen.__doc__)
    p.add_argument("paths", nargs="*", help="notebooks (default: every lecture and exercise)")
    p.set_defaults(run=cmd_regen)
    p = sub.add_parser("kit", help=cmd_kit.__doc__)
    p.add_argument("dest", help="the folder to write (new, empty, or a kit built before)")
    p.add_argument("units", nargs="*", help="units to bank (default: all)")
    p.set_defaults(run=cmd_kit)
    p = sub.add_parser("lab", help=cmd_lab.__doc__)
    p.add_argument("--no-start", action="store_true", help="only copy the notebooks to work/")
    p.add_argument("lab_args", nargs=argparse.REMAINDER, help="passed to jupyter lab")
    p.set_defaults(run=cmd_lab)
    p = sub.add_parser("hub", help=cmd_hub.__doc__)
    p.add_argument("--class-dir", default=str(ROOT / "build" / "hub"),
                   help="the class's folder: exchange, homes, student environment (default build/hub)")
    p.add_argument("--course-root", default=".",
                   help="the instructor's nbgrader course root (default: the current directory)")
    p.add_argument("--students", help="student ids, comma-separated (default: samples/roster.csv)")
    p.add_argument("--password", default=os.environ.get("AUTOGRADER_HUB_PASSWORD", "autodiff"),
                   help="everyone's password (DummyAuthenticator; default $AUTOGRADER_HUB_PASSWORD or 'autodiff')")
    p.set_defaults(run=cmd_hub, hub_args=[])
    args, extra = parser.parse_known_args(argv)
    if extra:  # lab and hub take options of their own (JupyterLab's or JupyterHub's: --port, ...)
        if args.command == "hub":
            args.hub_args = extra
        elif args.command != "lab":
            parser.parse_args(argv)  # the usual one-line error and exit status 2
        else:
            args.lab_args = extra + args.lab_args
    try:
        return args.run(args)
    except (CourseError, ValueError) as e:
        print(f"autograder {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"autograder {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
