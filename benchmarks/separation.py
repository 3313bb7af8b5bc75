"""Does every question separate right from wrong for every student? Measured, not sampled.

    .venv/bin/python benchmarks/separation.py [--students 200] [--units 02_gradient_tape ...]
                                              [--questions fit ...] [--jobs 2] [--markdown FILE]

For every question of the chosen units, grades the solution, the other correct answers in
samples/right/ and every wrong answer in samples/wrong/ (the misconception fixtures) at N
simulated students, each seeded exactly as the engine seeds a graded student
($AUTOGRADER_STUDENT = sim-000, sim-001, ...): the public cases, then the "random" and "hidden"
streams a graded test cell runs (`autograder.checks.first_failure`). A fixture is separated when
it fails for all N students; a right answer when it passes for all N.

Prints one row per question and, for every fixture that passes for some student, the first such
student, so the escape can be replayed with AUTOGRADER_STUDENT=<id> (a right answer that fails
prints its first failure). Exit status 1 if any answer is not separated for every student.
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


def right(answer: str) -> bool:
    """The solution and samples/right/ must pass; samples/wrong/ must fail."""
    return answer == SOLUTION or answer.startswith("right:")


def student_ids(n: int) -> list[str]:
    return [f"sim-{k:03d}" for k in range(n)]


_CACHE: dict = {}


def _answer(unit: str, answer: str):
    from autograder.sample_class import RIGHT, WRONG, load_wrong_module, solution_namespace

    if answer == SOLUTION:
        key = ("solution", unit)
        if key not in _CACHE:
            with contextlib.redirect_stdout(io.StringIO()):  # the setup cell prints versions
                _CACHE[key] = solution_namespace(unit)
        return _CACHE[key]
    folder = RIGHT if answer.startswith("right:") else WRONG
    key = (folder, unit)
    if key not in _CACHE:
        _CACHE[key] = load_wrong_module(unit, folder)
    return _CACHE[key]


def measure(unit: str, question: str, answer: str, n: int) -> dict:
    """Grade one answer at n simulated students: how many pass, the first that passed or failed."""
    os.environ.pop("AUTOGRADER_SEED", None)
    from autograder.checks import first_failure
    from autograder.question import get

    q = get(question)
    source = _answer(unit, answer)
    fn = source[question] if answer == SOLUTION else getattr(source, answer.removeprefix("right:"))
    fixture = not right(answer)
    passed, example, reason = 0, None, None
    start = time.monotonic()
    sink = io.StringIO()
    for sid in student_ids(n):
        os.environ["AUTOGRADER_STUDENT"] = sid
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            problem = first_failure(q, fn)
        sink.seek(0)
        sink.truncate()
        if problem is None:
            passed += 1
            if fixture and example is None:
                example = sid
        elif not fixture and example is None:
            example, reason = sid, problem
    return {"unit": unit, "question": question, "answer": answer, "n": n, "passed": passed,
            "example": example, "reason": reason, "seconds": time.monotonic() - start}


def _init_worker() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf  # noqa: F401  (imported once per worker)


def tasks(units: list[str], questions: list[str] | None) -> list[tuple[str, str, str]]:
    from autograder.sample_class import RIGHT, Unit, wrong_answers

    out = []
    for unit in units:
        u = Unit.load(unit)
        for q in u.questions:
            if questions and q not in questions:
                continue
            out.append((unit, q, SOLUTION))
            out += [(unit, q, f"right:{a}") for a in wrong_answers(unit, RIGHT)[0].get(q, [])]
            out += [(unit, q, w) for w in u.wrong.get(q, [])]
    return out


def table(results: list[dict], n: int) -> tuple[str, bool]:
    """The markdown summary: one row per question; and whether everything is separated."""
    rows = ["| unit | question | fixtures | fixtures failing for every student | "
            "weakest fixture (students it fails) | right answers | weakest right answer passes |",
            "|---|---|---:|---:|---|---:|---:|"]
    ok = True
    by_q: dict = {}
    for r in results:
        by_q.setdefault((r["unit"], r["question"]), []).append(r)
    totals = [0, 0, 0, 0, 0]
    for (unit, question), rs in by_q.items():
        good = [r for r in rs if right(r["answer"])]
        fx = [r for r in rs if not right(r["answer"])]
        separated = [r for r in fx if r["passed"] == 0]
        weakest = max(fx, key=lambda r: r["passed"], default=None)
        weak = f"{weakest['answer'].split('__', 1)[1]} ({n - weakest['passed']}/{n})" if weakest else "—"
        worst = min(good, key=lambda r: r["passed"])
        rows.append(f"| {unit[:2]} | {question} | {len(fx)} | {len(separated)} | {weak} | "
                    f"{len(good)} | {worst['passed']}/{n} |")
        totals[0] += len(fx)
        totals[1] += len(separated)
        totals[2] += 1
        totals[3] += len(good)
        totals[4] += sum(r["passed"] == n for r in good)
        ok = ok and len(separated) == len(fx) and all(r["passed"] == n for r in good)
    rows.append(f"| **all** | {totals[2]} questions | {totals[0]} | {totals[1]} | | {totals[3]} | "
                f"{totals[4]} pass for {n}/{n} |")
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
            bad = (r["passed"] < r["n"]) if right(r["answer"]) else r["passed"] > 0
            mark = "✗" if bad else "✓"
            what = f"passes {r['passed']}/{r['n']}"
            extra = ""
            if bad and right(r["answer"]):
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
