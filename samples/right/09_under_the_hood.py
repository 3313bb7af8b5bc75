"""Other correct answers to exercise 09; each must earn its question's points for every student.

As in samples/wrong/, the answers to the classes `Dual` and `MiniTape` are functions that build
and return the object, defining their class anew on each call.
"""

import functools
import math

import numpy as np


def derivative_on_graph__memoized(edges, source, target):
    """The sum over paths with each node's partial sum computed once (shared partial products)."""
    @functools.lru_cache(maxsize=None)
    def from_node(node):
        if node == target:
            return 1.0
        return sum(d * from_node(b) for a, b, d in edges if a == node)

    return from_node(source)


def derivative_on_graph__forward_topological(edges, source, target):
    """Forward accumulation in a topological order found first (Kahn's algorithm)."""
    nodes = {n for a, b, _ in edges for n in (a, b)} | {source, target}
    indegree = {n: 0 for n in nodes}
    for _, b, _ in edges:
        indegree[b] += 1
    ready = [n for n in nodes if indegree[n] == 0]
    tangent = {n: 0.0 for n in nodes}
    tangent[source] = 1.0
    while ready:
        node = ready.pop()
        for a, b, d in edges:
            if a == node:
                tangent[b] += tangent[a] * d
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
    return tangent[target]


def derivative_on_graph__reverse_adjoints(edges, source, target):
    """Reverse accumulation: adjoints from the target back, each node once all its users are done."""
    users = {}
    for a, b, d in edges:
        users.setdefault(a, []).append((b, d))

    @functools.lru_cache(maxsize=None)
    def adjoint(node):  # d target / d node
        if node == target:
            return 1
        return sum(d * adjoint(b) for b, d in users.get(node, []))

    return adjoint(source)  # an int for graphs with int local derivatives: a number is accepted


def Dual__numpy_functions(val, dot=0.0):
    """A Dual written with NumPy's functions and a helper that lifts numbers to Duals."""
    class Dual:
        def __init__(self, val, dot=0.0):
            self.val, self.dot = float(val), float(dot)

        @staticmethod
        def lift(x):
            return Dual(x) if isinstance(x, (int, float)) else x

        def __add__(self, other):
            other = Dual.lift(other)
            return Dual(self.val + other.val, self.dot + other.dot)

        def __sub__(self, other):
            return self + (-1) * Dual.lift(other)

        def __rsub__(self, other):
            return Dual.lift(other) - self

        def __mul__(self, other):
            other = Dual.lift(other)
            return Dual(self.val * other.val, self.val * other.dot + self.dot * other.val)

        def __truediv__(self, other):
            return self * Dual.lift(other) ** -1

        def __rtruediv__(self, other):
            return Dual.lift(other) * self ** -1

        def __pow__(self, p):
            return Dual(self.val ** p, p * self.val ** (p - 1) * self.dot)

        def sin(self):
            return Dual(np.sin(self.val), np.cos(self.val) * self.dot)

        def cos(self):
            return Dual(np.cos(self.val), -np.sin(self.val) * self.dot)

        def exp(self):
            return Dual(np.exp(self.val), np.exp(self.val) * self.dot)

        def log(self):
            return Dual(np.log(self.val), self.dot / self.val)

        __radd__, __rmul__ = __add__, __mul__

    return Dual(val, dot)


def MiniTape__topological_sweep():
    """A sweep that skips records whose adjoint is zero, and gradient returning a tuple."""
    class Node:
        def __init__(self, value, tape, name):
            self.value, self.tape, self.name = value, tape, name

        def _rec(self, op, value, inputs):
            return self.tape.record(op, value, inputs)

        def __add__(self, other):
            if isinstance(other, Node):
                return self._rec("+", self.value + other.value, [(self, 1.0), (other, 1.0)])
            return self._rec("+", self.value + other, [(self, 1.0)])

        def __sub__(self, other):
            if isinstance(other, Node):
                return self._rec("-", self.value - other.value, [(self, 1.0), (other, -1.0)])
            return self._rec("-", self.value - other, [(self, 1.0)])

        def __rsub__(self, other):
            return self._rec("-", other - self.value, [(self, -1.0)])

        def __mul__(self, other):
            if isinstance(other, Node):
                return self._rec("*", self.value * other.value, [(self, other.value), (other, self.value)])
            return self._rec("*", self.value * other, [(self, other)])

        def __truediv__(self, other):
            if isinstance(other, Node):
                return self._rec("/", self.value / other.value,
                                 [(self, 1 / other.value), (other, -self.value / other.value ** 2)])
            return self._rec("/", self.value / other, [(self, 1 / other)])

        def __rtruediv__(self, other):
            return self._rec("/", other / self.value, [(self, -other / self.value ** 2)])

        def __pow__(self, p):
            return self._rec("**", self.value ** p, [(self, p * self.value ** (p - 1))])

        def sin(self):
            return self._rec("sin", math.sin(self.value), [(self, math.cos(self.value))])

        def cos(self):
            return self._rec("cos", math.cos(self.value), [(self, -math.sin(self.value))])

        def exp(self):
            return self._rec("exp", math.exp(self.value), [(self, math.exp(self.value))])

        def log(self):
            return self._rec("log", math.log(self.value), [(self, 1 / self.value)])

        __radd__, __rmul__ = __add__, __mul__

    class MiniTape:
        def __init__(self):
            self.records, self.sweeps = [], 0

        def variable(self, value, name):
            return Node(float(value), self, name)

        def record(self, op, value, inputs):
            out = Node(value, self, f"v{len(self.records) + 1}")
            self.records.append((out, op, inputs))
            return out

        def adjoints(self, target):
            self.sweeps += 1
            adjoint = {}
            adjoint[target.name] = 1.0
            for k in range(len(self.records) - 1, -1, -1):
                out, _, inputs = self.records[k]
                bar = adjoint.get(out.name, 0.0)
                if bar == 0.0:
                    continue
                for node, local in inputs:
                    adjoint[node.name] = adjoint.get(node.name, 0.0) + bar * local
            return adjoint

        def gradient(self, target, sources):
            adjoint = self.adjoints(target)
            return tuple(float(adjoint.get(s.name, 0)) for s in sources)  # a tuple is accepted

    return MiniTape()


def passes_needed__conditional(n, m, mode):
    """Spelled out: n forward passes (columns) or m reverse sweeps (rows)."""
    if mode == "forward":
        return int(n)
    return int(m)


__all__ = [name for name in dir() if "__" in name.strip("_")]
