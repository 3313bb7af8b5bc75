"""Does every question separate right from wrong for every student? Measured, not sampled.

    .venv/bin/python benchmarks/separation.py [--students 200] [--units 02_gradient_tape ...]
                                              [--questions fit ...] [--jobs 2] [--markdown FILE]

For every question of the chosen units, grades the solution and every wrong answer in
samples/wrong/ (the misconception fixtures) at N simulated students, each seeded exactly as the
engine seeds a graded student ($AUTOGRADER_STUDENT = sim-000, sim-001, ...): the public cases,
then the "random" and "hidden" streams a graded test cell runs. A fixture is separated when it
fails for all N students; the solution when it passes for all N. Fixtures stop at their first
failing case (that already costs them the question), solutions run every case.

Prints one row per question and, for every fixture that passes for some student, the first such
student, so the escape can be replayed with AUTOGRADER_STUDENT=<id>. Exit status 1 if any
fixture or solution is not separated for every student.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SOLUTION = "(solution)"


def student_ids(n: int) -> list[str]:
    return [f"sim-{k:03d}" for k in range(n)]


_CACHE: dict = {}


def _answer(unit: str, answer: str):
    from autograder.sample_class import load_wrong_module, solution_namespace

    if answer == SOLUTION:
        key = ("solution", unit)
        if key not in _CACHE:
            with contextlib.redirect_stdout(io.StringIO()):  # the setup cell prints versions
                _CACHE[key] = solution_namespace(unit)
        return _CACHE[key]
    key = ("wrong", unit)
    if key not in _CACHE:
        _CACHE[key] = load_wrong_module(unit)
    return _CACHE[key]


def measure(unit: str, question: str, answer: str, n: int) -> dict:
    """Grade one answer at n simulated students: how many pass, the first that passed or failed."""
    os.environ.pop("AUTOGRADER_SEED", None)
    from autograder.checks import STREAMS, judge_case, stream_cases
    from autograder.question import get

    q = get(question)
    source = _answer(unit, answer)
    fn = source[question] if answer == SOLUTION else getattr(source, answer)
    first_fixture = answer != SOLUTION
    passed, example, reason = 0, None, None
    start = time.monotonic()
    public_problem = None
    sink = io.StringIO()
    for sid in student_ids(n):
        os.environ["AUTOGRADER_STUDENT"] = sid
        problem = None
        for stream in STREAMS:
            if stream == "public" and public_problem is not None:
                problem = public_problem  # the same cases for every student
                break
            for case in stream_cases(q, stream):
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    found, _ = judge_case(q, fn, case)
                if found:
                    problem = f"{case.label}: {found}"
                    if stream == "public":
                        public_problem = problem
                    break
            if problem and first_fixture:
                break
        sink.seek(0)
        sink.truncate()
        if problem is None:
            passed += 1
            if first_fixture and example is None:
                example = sid
        elif not first_fixture and example is None:
            example, reason = sid, problem
    return {"unit": unit, "question": question, "answer": answer, "n": n, "passed": passed,
            "example": example, "reason": reason, "seconds": time.monotonic() - start}


def _init_worker() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf  # noqa: F401  (imported once per worker)


def tasks(units: list[str], questions: list[str] | None) -> list[tuple[str, str, str]]:
    from autograder.sample_class import Unit

    out = []
    for unit in units:
        u = Unit.load(unit)
        for q in u.questions:
            if questions and q not in questions:
                continue
            out.append((unit, q, SOLUTION))
            out += [(unit, q, w) for w in u.wrong.get(q, [])]
    return out


def table(results: list[dict], n: int) -> tuple[str, bool]:
    """The markdown summary: one row per question; and whether everything is separated."""
    rows = ["| unit | question | fixtures | fixtures failing for every student | "
            "weakest fixture (students it fails) | solution passes |",
            "|---|---|---:|---:|---|---:|"]
    ok = True
    by_q: dict = {}
    for r in results:
        by_q.setdefault((r["unit"], r["question"]), []).append(r)
    totals = [0, 0, 0, 0]
    for (unit, question), rs in by_q.items():
        sol = next(r for r in rs if r["answer"] == SOLUTION)
        fx = [r for r in rs if r["answer"] != SOLUTION]
        separated = [r for r in fx if r["passed"] == 0]
        weakest = max(fx, key=lambda r: r["passed"], default=None)
        weak = f"{weakest['answer'].split('__', 1)[1]} ({n - weakest['passed']}/{n})" if weakest else "—"
        rows.append(f"| {unit[:2]} | {question} | {len(fx)} | {len(separated)} | {weak} | "
                    f"{sol['passed']}/{n} |")
        totals[0] += len(fx)
        totals[1] += len(separated)
        totals[2] += 1
        totals[3] += sol["passed"] == n
        ok = ok and len(separated) == len(fx) and sol["passed"] == n
    rows.append(f"| **all** | {totals[2]} questions | {totals[0]} | {totals[1]} | | "
                f"{totals[3]} of {totals[2]} at {n}/{n} |")
    return "\n".join(rows), ok


def main(argv: list[str] | None = None) -> int:
    from autograder import notebooks

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--units", nargs="*", default=None)
    p.add_argument("--questions", nargs="*", default=None)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--markdown", help="also write the summary table to this file")
    args = p.parse_args(argv)
    units = notebooks.units()
    if args.units:
        unknown = [u for u in args.units if u not in units]
        if unknown:
            print(f"separation: no unit {', '.join(unknown)}; units are {', '.join(units)}", file=sys.stderr)
            return 2
        units = args.units
    todo = tasks(units, args.questions)
    if not todo:
        print("separation: no question matches; check --questions", file=sys.stderr)
        return 2
    start = time.monotonic()
    results = []
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn"), initializer=_init_worker) as pool:
        futures = [pool.submit(measure, u, q, a, args.students) for u, q, a in todo]
        for f in futures:
            r = f.result()
            results.append(r)
            bad = (r["passed"] < r["n"]) if r["answer"] == SOLUTION else r["passed"] > 0
            mark = "✗" if bad else "✓"
            what = f"passes {r['passed']}/{r['n']}"
            extra = ""
            if bad and r["answer"] == SOLUTION:
                extra = f"  e.g. AUTOGRADER_STUDENT={r['example']}: {r['reason']}"
            elif bad:
                extra = f"  e.g. AUTOGRADER_STUDENT={r['example']}"
            print(f"{mark} {r['unit']} {r['question']:<26} {r['answer']:<45} {what:<14} "
                  f"{r['seconds']:6.1f} s{extra}", flush=True)
    text, ok = table(results, args.students)
    print()
    print(text)
    print(f"\n{len(todo)} answers at {args.students} students in {time.monotonic() - start:.0f} s")
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
