"""Black boxes served by the grader: values, gradients and their log, kept out of the student's process.

A question whose check counts evaluations (or hides a function's formula) hands the student
an `Oracle` in its `student_args`. Before the step runs, `substitute` swaps every Oracle for a
plain handle; the student's side builds a TensorFlow function from the handle
(`autograder.student.probes.black_box`) whose every evaluation is a request answered here by
`Table.serve`. The log of those requests is the evidence: after the step, `Table.evidence`
puts each oracle's log into the answer under the oracle's key, overwriting anything the
student's process sent under that name.

This module holds no function: an Oracle's `fn` comes from the grader side (a question's
`student_args`) while grading, so the runner serves it from the trusted process and the student's
sandbox never sees it. It lives on the student side because the student kit (autograder/kit.py)
serves the same tables offline, rebuilding each black box from its plain spec
(`autograder.student.families.build`), where no grade depends on the log.

Requests are answered with TensorFlow in the dtype the student's tensors have, so the numbers
are exactly what the same function would give in the student's process.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

MAX_EVALUATIONS = 10_000  # per oracle and case: a loop that never ends must not keep the grader busy
MAX_ELEMENTS = 1_000_000  # per request: the runner computes what it is asked, so it is asked for little


class Oracle:
    """A function of one or more tensors, served from the grader; `key` names its log in the answer."""

    def __init__(self, fn: Callable, name: str = "f", key: str = "calls", out: Any = "same",
                 tree: bool = False) -> None:
        self.fn, self.name, self.key, self.out, self.tree = fn, name, key, out, tree


class Table:
    """The oracles of one case: handles for the student's side, answers and logs for the grader's."""

    def __init__(self) -> None:
        self.oracles: list[Oracle] = []
        self.logs: list[list[dict]] = []

    @classmethod
    def for_case(cls, question: Any, case: Any) -> "tuple[Table, list]":
        """The oracles of one case of `question`, and the plain arguments its step receives."""
        table = cls()
        return table, table.substitute(list(question.student_args(*case.args)))

    def substitute(self, args: Any) -> Any:
        """`args` with every Oracle replaced by its plain handle (lists, tuples and dicts are searched)."""
        if isinstance(args, Oracle):
            return self.add(args)
        if isinstance(args, (list, tuple)):
            return type(args)(self.substitute(a) for a in args)
        if isinstance(args, dict):
            return {k: self.substitute(v) for k, v in args.items()}
        return args

    def add(self, oracle: Oracle) -> dict:
        """Serve `oracle` in this table; its plain handle for the student's side."""
        self.oracles.append(oracle)
        self.logs.append([])
        return {"oracle": len(self.oracles) - 1, "name": oracle.name, "out": oracle.out, "tree": oracle.tree}

    def run(self, step: str, fn: Callable, args: list) -> tuple[Any, str]:
        """Run question `step`'s step on `fn` in this process, serving its black boxes from here:
        (the answer with the oracles' logs as evidence, text written to stderr)."""
        from . import probes, steps, wire

        with probes.serving(lambda request: wire.roundtrip(self.serve(wire.roundtrip(request)))):
            got, noise = steps.run(steps.get(step), fn, args)
        return self.evidence(got), noise

    def serve(self, request: dict) -> dict:
        """The reply to one oracle request; never raises (a bad request gets an error reply)."""
        try:
            ident = request["id"]
            if not isinstance(ident, int) or not 0 <= ident < len(self.oracles):
                return _error("LookupError", "no such black box")
            what, args = request["what"], [np.asarray(a) for a in request["args"]]
            if sum(a.size for a in args) > MAX_ELEMENTS or any(a.dtype.kind not in "biuf" for a in args):
                return _error("ValueError", "the black box takes numbers, at most "
                              f"{MAX_ELEMENTS:,} of them at a time")
            log = self.logs[ident]
            if len(log) >= MAX_EVALUATIONS:
                return _error("RuntimeError", f"the black box was evaluated more than {MAX_EVALUATIONS} times")
            if what == "value":
                log.append(_evaluation(args, request))
            return {"value": _answer(self.oracles[ident].fn, what, args)}
        except Exception as e:  # noqa: BLE001 - the function's own error is the student's to see
            return _error(type(e).__name__, str(e).splitlines()[0] if str(e) else "")

    def evidence(self, got: Any) -> Any:
        """The answer with each oracle's log under its key (a non-dict answer is wrapped as {"value": ...})."""
        if not self.oracles:
            return got
        if not isinstance(got, dict) or got.get("kind") in ("error", "object", "dict", "Tensor", "Variable",
                                                            "ndarray", "IndexedSlices"):
            got = {"value": got}
        for oracle, log in zip(self.oracles, self.logs):
            got[oracle.key] = log
        return got


def _evaluation(args: list[np.ndarray], request: dict) -> dict:
    """One evaluation as logged: per argument what the function computed on (`computed` dtype and
    `value`, as received here) and, for messages only, what the student's code passed (`kind`,
    `dtype`, `shape` before conversion, and whether a tape was recording: the student's process says so)."""
    info = request.get("info")
    if not (isinstance(info, list) and len(info) == len(args) and all(
            isinstance(i, dict) and isinstance(i.get("kind"), str) and isinstance(i.get("dtype"), str)
            and isinstance(i.get("shape"), list) for i in info)):
        info = [{"kind": "Tensor", "dtype": a.dtype.name, "shape": list(a.shape)} for a in args]
    taped = request.get("taped")
    return {"args": [{"kind": i["kind"], "dtype": i["dtype"], "shape": i["shape"], "computed": a.dtype.name,
                      "value": a.astype(np.float64) if a.dtype.kind in "fiub" else None}
                     for i, a in zip(info, args)],
            "taped": taped if isinstance(taped, bool) else None}


def _error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message[:300]}}


def _answer(fn: Callable, what: str, args: list[np.ndarray]) -> list[np.ndarray]:
    """value: [f(xs)]; vjp: Jᵀu per x; hvp: second-order term per x; jvp: [J w]."""
    import tensorflow as tf

    def tensors(arrays):
        return [tf.constant(a) for a in arrays]

    zero = tf.UnconnectedGradients.ZERO
    if what == "value":
        return [np.asarray(fn(*tensors(args)))]
    if what == "vjp":
        xs, u = tensors(args[:-1]), tf.constant(args[-1])
        with tf.GradientTape() as tape:
            tape.watch(xs)
            y = fn(*xs)
        return [np.asarray(g) for g in tape.gradient(y, xs, output_gradients=u, unconnected_gradients=zero)]
    if what == "hvp":
        n = (len(args) - 1) // 2
        xs, u, ws = tensors(args[:n]), tf.constant(args[n]), tensors(args[n + 1:])
        with tf.GradientTape() as outer:
            outer.watch(xs)
            with tf.GradientTape() as inner:
                inner.watch(xs)
                y = fn(*xs)
            gs = inner.gradient(y, xs, output_gradients=u, unconnected_gradients=zero)
        return [np.asarray(h) for h in outer.gradient(gs, xs, output_gradients=ws, unconnected_gradients=zero)]
    if what == "jvp":
        n = len(args) // 2
        xs, ws = tensors(args[:n]), tensors(args[n:])
        with tf.autodiff.ForwardAccumulator(xs, ws) as acc:
            y = fn(*xs)
        return [np.asarray(acc.jvp(y, unconnected_gradients=zero))]
    raise ValueError(f"unknown request {what!r}")
