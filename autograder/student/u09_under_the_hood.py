"""Unit 09, Under the hood: the steps that call the student's functions and classes.

The expressions handed to the student's Dual and MiniTape are expression trees in plain data
(a variable is its name, a number a number, an operation a list [op, operand, ...]); the steps
evaluate a tree with the student's objects, by their own operators and methods, and describe
every intermediate result in post-order (operands before the operation that uses them), the
order in which the grader lists the tree's operations. Nothing here computes a derivative:
the references and the judges are on the grader side. What the steps report (values, tangents,
partials, tape.sweeps) is the student process's word.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

from .steps import step
from .values import describe, describe_error

UNARY = ("sin", "cos", "exp", "log")
BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _nodes(tree: Any) -> list:
    """The operations of a tree in post-order: operands before the operation that uses them."""
    if not isinstance(tree, list):
        return []
    if tree[0] == "**":
        return _nodes(tree[1]) + [tree]
    return [n for child in tree[1:] for n in _nodes(child)] + [tree]


def _build(tree: Any, leaves: dict, seen: Callable[[Any], None]) -> Any:
    """Evaluate a tree with the objects in `leaves`, by their own operators and methods."""
    if isinstance(tree, str):
        return leaves[tree]
    if not isinstance(tree, list):
        return tree
    op = tree[0]
    if op in UNARY:
        out = getattr(_build(tree[1], leaves, seen), op)()
    elif op == "**":
        out = _build(tree[1], leaves, seen) ** tree[2]
    else:
        a = _build(tree[1], leaves, seen)
        out = BINARY[op](a, _build(tree[2], leaves, seen))
    seen(out)
    return out


@step("derivative_on_graph")
def derivative_on_graph(fn: Callable, edges, source, target):
    return describe(fn([tuple(e) for e in edges], source, target))


def _dual(d: Any) -> dict:
    return {"type": type(d).__name__, "val": describe(getattr(d, "val", None)),
            "dot": describe(getattr(d, "dot", None))}


@step("Dual")
def dual(fn: Callable, tree, names, point, dots):
    leaves, results = {}, []
    out: dict = {"leaves": [], "nodes": [], "error": None}
    try:
        for n, v, d in zip(names, point, dots):
            leaves[n] = fn(v, d)
            out["leaves"].append(_dual(leaves[n]))
    except Exception as e:  # noqa: BLE001 (the student's error is the answer judged)
        out["error"] = describe_error(e)
        return out
    try:
        _build(tree, leaves, results.append)
    except Exception as e:  # noqa: BLE001
        out["error"] = describe_error(e)
    out["nodes"] = [_dual(r) for r in results]
    return out


@step("MiniTape")
def mini_tape(fn: Callable, trees, names, point, orders):
    out: dict = {"stage": "done", "values": [], "grads": [], "sweeps": [], "local": []}
    try:
        tape = fn()
        xs = {n: tape.variable(v, n) for n, v in zip(names, point)}
    except Exception as e:  # noqa: BLE001 (the student's error is the answer judged)
        return {"stage": "variable", "error": describe_error(e)}
    targets = []
    for t, tree in enumerate(trees):
        nodes: list = []
        try:
            targets.append(_build(tree, xs, nodes.append))
        except Exception as e:  # noqa: BLE001
            out.update(stage="record", target=t, at=len(nodes), error=describe_error(e))
            return out
        finally:
            out["values"].append([describe(getattr(n, "value", None)) for n in nodes])
    for t, (y, order) in enumerate(zip(targets, orders)):
        try:
            before = describe(getattr(tape, "sweeps", None))
            grads = tape.gradient(y, [xs[n] for n in order])
            after = describe(getattr(tape, "sweeps", None))
        except Exception as e:  # noqa: BLE001
            out.update(stage="gradient", target=t, error=describe_error(e))
            return out
        out["grads"].append(describe(grads))
        out["sweeps"].append([before, after])
    for tree in trees:  # each operation on a fresh tape of its own, to find the first wrong one
        local = []
        for node in _nodes(tree):
            try:
                fresh = fn()
                ys = {n: fresh.variable(v, n) for n, v in zip(names, point)}
                local.append(describe(fresh.gradient(_build(node, ys, lambda _: None),
                                                     [ys[n] for n in names])))
            except Exception as e:  # noqa: BLE001
                local.append(describe_error(e))
        out["local"].append(local)
    return out
