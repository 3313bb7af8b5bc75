"""Plausible wrong answers for exercise 09; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.

The wrong answers to the classes `Dual` and `MiniTape` are functions that build and return
the wrong object (the sample class reads only functions); the checks call them as
Dual(val, dot) and MiniTape(), like the classes. Each call defines its class anew, so a Dual
tells a number from another Dual by isinstance(other, (int, float)), never by its own class.
"""

import numpy as np
import tensorflow as tf


def derivative_on_graph__merges_parallel_edges(edges, source, target):
    """Keeps the edges in a dict keyed by (from, to): of the two edges of v1 = x*x only one is left."""
    local = {(a, b): d for a, b, d in edges}

    def total(node):
        if node == target:
            return 1.0
        return sum(d * total(b) for (a, b), d in local.items() if a == node)

    return total(source)


def derivative_on_graph__one_path_only(edges, source, target):
    """Multiplies the local derivatives along the first path it finds and forgets the other paths."""
    def first_path(node):
        if node == target:
            return 1.0
        for a, b, d in edges:
            if a == node:
                rest = first_path(b)
                if rest is not None:
                    return d * rest
        return None

    product = first_path(source)
    return 0.0 if product is None else product


def derivative_on_graph__visited_set(edges, source, target):
    """A depth-first search that skips a node it has visited: the second edge into v1 = x·x, and any
    second path through a shared node, are never counted."""
    visited = set()

    def total(node):
        if node == target:
            return 1.0
        visited.add(node)
        return sum(d * total(b) for a, b, d in edges if a == node and b not in visited)

    return total(source)


def derivative_on_graph__list_order(edges, source, target):
    """Forward accumulation over the edges in list order, as if they were sorted: the statement says they
    come in no particular order, so a tangent is used before it is complete."""
    tangent = {source: 1.0}
    for a, b, d in edges:
        tangent[b] = tangent.get(b, 0.0) + tangent.get(a, 0.0) * d
    return tangent.get(target, 0.0)


def Dual__product_sign(val, dot=0.0):
    """The product rule with a sign error: (a + bε)(c + dε) = ac + (ad - bc)ε."""
    class Dual:
        def __init__(self, val, dot=0.0):
            self.val, self.dot = float(val), float(dot)

        def __add__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val + other.val, self.dot + other.dot)

        def __sub__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val - other.val, self.dot - other.dot)

        def __rsub__(self, other):
            return Dual(other) - self

        def __mul__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val * other.val, self.val * other.dot - self.dot * other.val)

        def __truediv__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val / other.val,
                        (self.dot * other.val - self.val * other.dot) / other.val ** 2)

        def __rtruediv__(self, other):
            return Dual(other) / self

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


def Dual__reflected_like_add(val, dot=0.0):
    """Copies the lecture's `__radd__ = __add__` to - and /: then 2 - x computes x - 2, 2 / x gives x / 2."""
    class Dual:
        def __init__(self, val, dot=0.0):
            self.val, self.dot = float(val), float(dot)

        def __add__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val + other.val, self.dot + other.dot)

        def __sub__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val - other.val, self.dot - other.dot)

        def __mul__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val * other.val, self.val * other.dot + self.dot * other.val)

        def __truediv__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val / other.val,
                        (self.dot * other.val - self.val * other.dot) / other.val ** 2)

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

        __radd__, __rsub__, __rmul__, __rtruediv__ = __add__, __sub__, __mul__, __truediv__

    return Dual(val, dot)


def Dual__no_chain_rule(val, dot=0.0):
    """sin, cos, exp, log and ** put the bare derivative in .dot, forgetting to multiply by the incoming tangent."""
    class Dual:
        def __init__(self, val, dot=0.0):
            self.val, self.dot = float(val), float(dot)

        def __add__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val + other.val, self.dot + other.dot)

        def __sub__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val - other.val, self.dot - other.dot)

        def __rsub__(self, other):
            return Dual(other) - self

        def __mul__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val * other.val, self.val * other.dot + self.dot * other.val)

        def __truediv__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val / other.val,
                        (self.dot * other.val - self.val * other.dot) / other.val ** 2)

        def __rtruediv__(self, other):
            return Dual(other) / self

        def __pow__(self, p):
            return Dual(self.val ** p, p * self.val ** (p - 1))

        def sin(self):
            return Dual(np.sin(self.val), np.cos(self.val))

        def cos(self):
            return Dual(np.cos(self.val), -np.sin(self.val))

        def exp(self):
            return Dual(np.exp(self.val), np.exp(self.val))

        def log(self):
            return Dual(np.log(self.val), 1 / self.val)

        __radd__, __rmul__ = __add__, __mul__

    return Dual(val, dot)


def Dual__quotient_sign(val, dot=0.0):
    """The quotient rule with the terms swapped: (a + bε)/(c + dε) = a/c + (ad - bc)/c² ε."""
    class Dual:
        def __init__(self, val, dot=0.0):
            self.val, self.dot = float(val), float(dot)

        def __add__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val + other.val, self.dot + other.dot)

        def __sub__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val - other.val, self.dot - other.dot)

        def __rsub__(self, other):
            return Dual(other) - self

        def __mul__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val * other.val, self.val * other.dot + self.dot * other.val)

        def __truediv__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val / other.val,
                        (self.val * other.dot - self.dot * other.val) / other.val ** 2)

        def __rtruediv__(self, other):
            return Dual(other) / self

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


def Dual__cos_sign(val, dot=0.0):
    """Sign slip in cos: cos(a + bε) = cos a + b·sin a ε (the derivative of cos is -sin)."""
    class Dual:
        def __init__(self, val, dot=0.0):
            self.val, self.dot = float(val), float(dot)

        def __add__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val + other.val, self.dot + other.dot)

        def __sub__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val - other.val, self.dot - other.dot)

        def __rsub__(self, other):
            return Dual(other) - self

        def __mul__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val * other.val, self.val * other.dot + self.dot * other.val)

        def __truediv__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val / other.val,
                        (self.dot * other.val - self.val * other.dot) / other.val ** 2)

        def __rtruediv__(self, other):
            return Dual(other) / self

        def __pow__(self, p):
            return Dual(self.val ** p, p * self.val ** (p - 1) * self.dot)

        def sin(self):
            return Dual(np.sin(self.val), np.cos(self.val) * self.dot)

        def cos(self):
            return Dual(np.cos(self.val), np.sin(self.val) * self.dot)

        def exp(self):
            return Dual(np.exp(self.val), np.exp(self.val) * self.dot)

        def log(self):
            return Dual(np.log(self.val), self.dot / self.val)

        __radd__, __rmul__ = __add__, __mul__

    return Dual(val, dot)


def Dual__number_keeps_tangent(val, dot=0.0):
    """A number operand handled apart, keeping the tangent: u * c gives Dual(a·c, b), not Dual(a·c, b·c)."""
    class Dual:
        def __init__(self, val, dot=0.0):
            self.val, self.dot = float(val), float(dot)

        def __add__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val + other.val, self.dot + other.dot)

        def __sub__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val - other.val, self.dot - other.dot)

        def __rsub__(self, other):
            return Dual(other) - self

        def __mul__(self, other):
            if isinstance(other, (int, float)):
                return Dual(self.val * other, self.dot)
            return Dual(self.val * other.val, self.val * other.dot + self.dot * other.val)

        def __truediv__(self, other):
            other = Dual(other) if isinstance(other, (int, float)) else other
            return Dual(self.val / other.val,
                        (self.dot * other.val - self.val * other.dot) / other.val ** 2)

        def __rtruediv__(self, other):
            return Dual(other) / self

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


def MiniTape__one_sweep_per_input():
    """gradient runs one backward sweep per source and keeps one adjoint of each: k sweeps, not one."""
    class Node:
        def __init__(self, value, tape, name):
            self.value, self.tape, self.name = value, tape, name

        def _op(self, op, value, inputs):
            return self.tape.record(op, value, inputs)

        def __add__(self, other):
            if isinstance(other, Node):
                return self._op("+", self.value + other.value, [(self, 1.0), (other, 1.0)])
            return self._op("+", self.value + other, [(self, 1.0)])

        def __sub__(self, other):
            if isinstance(other, Node):
                return self._op("-", self.value - other.value, [(self, 1.0), (other, -1.0)])
            return self._op("-", self.value - other, [(self, 1.0)])

        def __rsub__(self, other):
            return self._op("-", other - self.value, [(self, -1.0)])

        def __mul__(self, other):
            if isinstance(other, Node):
                return self._op("*", self.value * other.value, [(self, other.value), (other, self.value)])
            return self._op("*", self.value * other, [(self, other)])

        def __truediv__(self, other):
            if isinstance(other, Node):
                return self._op("/", self.value / other.value,
                                [(self, 1 / other.value), (other, -self.value / other.value ** 2)])
            return self._op("/", self.value / other, [(self, 1 / other)])

        def __rtruediv__(self, other):
            return self._op("/", other / self.value, [(self, -other / self.value ** 2)])

        def __pow__(self, p):
            return self._op("**", self.value ** p, [(self, p * self.value ** (p - 1))])

        def sin(self):
            return self._op("sin", float(np.sin(self.value)), [(self, float(np.cos(self.value)))])

        def cos(self):
            return self._op("cos", float(np.cos(self.value)), [(self, -float(np.sin(self.value)))])

        def exp(self):
            return self._op("exp", float(np.exp(self.value)), [(self, float(np.exp(self.value)))])

        def log(self):
            return self._op("log", float(np.log(self.value)), [(self, 1 / self.value)])

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
            adjoint = {target.name: 1.0}
            for out, op, inputs in reversed(self.records):
                for node, local in inputs:
                    adjoint[node.name] = adjoint.get(node.name, 0.0) + adjoint.get(out.name, 0.0) * local
            return adjoint

        def gradient(self, target, sources):
            return [self.adjoints(target).get(s.name, 0.0) for s in sources]

    return MiniTape()


def MiniTape__overwrites_adjoint():
    """The sweep sets adjoint = ... instead of adding (+=): a variable used twice keeps one contribution."""
    class Node:
        def __init__(self, value, tape, name):
            self.value, self.tape, self.name = value, tape, name

        def _op(self, op, value, inputs):
            return self.tape.record(op, value, inputs)

        def __add__(self, other):
            if isinstance(other, Node):
                return self._op("+", self.value + other.value, [(self, 1.0), (other, 1.0)])
            return self._op("+", self.value + other, [(self, 1.0)])

        def __sub__(self, other):
            if isinstance(other, Node):
                return self._op("-", self.value - other.value, [(self, 1.0), (other, -1.0)])
            return self._op("-", self.value - other, [(self, 1.0)])

        def __rsub__(self, other):
            return self._op("-", other - self.value, [(self, -1.0)])

        def __mul__(self, other):
            if isinstance(other, Node):
                return self._op("*", self.value * other.value, [(self, other.value), (other, self.value)])
            return self._op("*", self.value * other, [(self, other)])

        def __truediv__(self, other):
            if isinstance(other, Node):
                return self._op("/", self.value / other.value,
                                [(self, 1 / other.value), (other, -self.value / other.value ** 2)])
            return self._op("/", self.value / other, [(self, 1 / other)])

        def __rtruediv__(self, other):
            return self._op("/", other / self.value, [(self, -other / self.value ** 2)])

        def __pow__(self, p):
            return self._op("**", self.value ** p, [(self, p * self.value ** (p - 1))])

        def sin(self):
            return self._op("sin", float(np.sin(self.value)), [(self, float(np.cos(self.value)))])

        def cos(self):
            return self._op("cos", float(np.cos(self.value)), [(self, -float(np.sin(self.value)))])

        def exp(self):
            return self._op("exp", float(np.exp(self.value)), [(self, float(np.exp(self.value)))])

        def log(self):
            return self._op("log", float(np.log(self.value)), [(self, 1 / self.value)])

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
            adjoint = {target.name: 1.0}
            for out, op, inputs in reversed(self.records):
                for node, local in inputs:
                    adjoint[node.name] = adjoint.get(out.name, 0.0) * local
            return adjoint

        def gradient(self, target, sources):
            adjoint = self.adjoints(target)
            return [adjoint.get(s.name, 0.0) for s in sources]

    return MiniTape()


def MiniTape__stale_adjoints():
    """Keeps the adjoints in one dict made in __init__: a second gradient call adds onto the first sweep's."""
    class Node:
        def __init__(self, value, tape, name):
            self.value, self.tape, self.name = value, tape, name

        def _op(self, op, value, inputs):
            return self.tape.record(op, value, inputs)

        def __add__(self, other):
            if isinstance(other, Node):
                return self._op("+", self.value + other.value, [(self, 1.0), (other, 1.0)])
            return self._op("+", self.value + other, [(self, 1.0)])

        def __sub__(self, other):
            if isinstance(other, Node):
                return self._op("-", self.value - other.value, [(self, 1.0), (other, -1.0)])
            return self._op("-", self.value - other, [(self, 1.0)])

        def __rsub__(self, other):
            return self._op("-", other - self.value, [(self, -1.0)])

        def __mul__(self, other):
            if isinstance(other, Node):
                return self._op("*", self.value * other.value, [(self, other.value), (other, self.value)])
            return self._op("*", self.value * other, [(self, other)])

        def __truediv__(self, other):
            if isinstance(other, Node):
                return self._op("/", self.value / other.value,
                                [(self, 1 / other.value), (other, -self.value / other.value ** 2)])
            return self._op("/", self.value / other, [(self, 1 / other)])

        def __rtruediv__(self, other):
            return self._op("/", other / self.value, [(self, -other / self.value ** 2)])

        def __pow__(self, p):
            return self._op("**", self.value ** p, [(self, p * self.value ** (p - 1))])

        def sin(self):
            return self._op("sin", float(np.sin(self.value)), [(self, float(np.cos(self.value)))])

        def cos(self):
            return self._op("cos", float(np.cos(self.value)), [(self, -float(np.sin(self.value)))])

        def exp(self):
            return self._op("exp", float(np.exp(self.value)), [(self, float(np.exp(self.value)))])

        def log(self):
            return self._op("log", float(np.log(self.value)), [(self, 1 / self.value)])

        __radd__, __rmul__ = __add__, __mul__

    class MiniTape:
        def __init__(self):
            self.records, self.sweeps, self.adjoint = [], 0, {}

        def variable(self, value, name):
            return Node(float(value), self, name)

        def record(self, op, value, inputs):
            out = Node(value, self, f"v{len(self.records) + 1}")
            self.records.append((out, op, inputs))
            return out

        def adjoints(self, target):
            self.sweeps += 1
            self.adjoint[target.name] = 1.0
            for out, op, inputs in reversed(self.records):
                for node, local in inputs:
                    self.adjoint[node.name] = (self.adjoint.get(node.name, 0.0)
                                               + self.adjoint.get(out.name, 0.0) * local)
            return self.adjoint

        def gradient(self, target, sources):
            adjoint = self.adjoints(target)
            return [adjoint.get(s.name, 0.0) for s in sources]

    return MiniTape()


def MiniTape__forward_order_sweep():
    """The sweep walks the records forwards: a record is used before the adjoint of its output is complete."""
    class Node:
        def __init__(self, value, tape, name):
            self.value, self.tape, self.name = value, tape, name

        def _op(self, op, value, inputs):
            return self.tape.record(op, value, inputs)

        def __add__(self, other):
            if isinstance(other, Node):
                return self._op("+", self.value + other.value, [(self, 1.0), (other, 1.0)])
            return self._op("+", self.value + other, [(self, 1.0)])

        def __sub__(self, other):
            if isinstance(other, Node):
                return self._op("-", self.value - other.value, [(self, 1.0), (other, -1.0)])
            return self._op("-", self.value - other, [(self, 1.0)])

        def __rsub__(self, other):
            return self._op("-", other - self.value, [(self, -1.0)])

        def __mul__(self, other):
            if isinstance(other, Node):
                return self._op("*", self.value * other.value, [(self, other.value), (other, self.value)])
            return self._op("*", self.value * other, [(self, other)])

        def __truediv__(self, other):
            if isinstance(other, Node):
                return self._op("/", self.value / other.value,
                                [(self, 1 / other.value), (other, -self.value / other.value ** 2)])
            return self._op("/", self.value / other, [(self, 1 / other)])

        def __rtruediv__(self, other):
            return self._op("/", other / self.value, [(self, -other / self.value ** 2)])

        def __pow__(self, p):
            return self._op("**", self.value ** p, [(self, p * self.value ** (p - 1))])

        def sin(self):
            return self._op("sin", float(np.sin(self.value)), [(self, float(np.cos(self.value)))])

        def cos(self):
            return self._op("cos", float(np.cos(self.value)), [(self, -float(np.sin(self.value)))])

        def exp(self):
            return self._op("exp", float(np.exp(self.value)), [(self, float(np.exp(self.value)))])

        def log(self):
            return self._op("log", float(np.log(self.value)), [(self, 1 / self.value)])

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
            adjoint = {target.name: 1.0}
            for out, op, inputs in self.records:
                for node, local in inputs:
                    adjoint[node.name] = adjoint.get(node.name, 0.0) + adjoint.get(out.name, 0.0) * local
            return adjoint

        def gradient(self, target, sources):
            adjoint = self.adjoints(target)
            return [adjoint.get(s.name, 0.0) for s in sources]

    return MiniTape()


def MiniTape__rsub_local_plus_one():
    """c - a records the local derivative +1 (copied from a - c): v = c - a has local derivative -1."""
    class Node:
        def __init__(self, value, tape, name):
            self.value, self.tape, self.name = value, tape, name

        def _op(self, op, value, inputs):
            return self.tape.record(op, value, inputs)

        def __add__(self, other):
            if isinstance(other, Node):
                return self._op("+", self.value + other.value, [(self, 1.0), (other, 1.0)])
            return self._op("+", self.value + other, [(self, 1.0)])

        def __sub__(self, other):
            if isinstance(other, Node):
                return self._op("-", self.value - other.value, [(self, 1.0), (other, -1.0)])
            return self._op("-", self.value - other, [(self, 1.0)])

        def __rsub__(self, other):
            return self._op("-", other - self.value, [(self, 1.0)])

        def __mul__(self, other):
            if isinstance(other, Node):
                return self._op("*", self.value * other.value, [(self, other.value), (other, self.value)])
            return self._op("*", self.value * other, [(self, other)])

        def __truediv__(self, other):
            if isinstance(other, Node):
                return self._op("/", self.value / other.value,
                                [(self, 1 / other.value), (other, -self.value / other.value ** 2)])
            return self._op("/", self.value / other, [(self, 1 / other)])

        def __rtruediv__(self, other):
            return self._op("/", other / self.value, [(self, -other / self.value ** 2)])

        def __pow__(self, p):
            return self._op("**", self.value ** p, [(self, p * self.value ** (p - 1))])

        def sin(self):
            return self._op("sin", float(np.sin(self.value)), [(self, float(np.cos(self.value)))])

        def cos(self):
            return self._op("cos", float(np.cos(self.value)), [(self, -float(np.sin(self.value)))])

        def exp(self):
            return self._op("exp", float(np.exp(self.value)), [(self, float(np.exp(self.value)))])

        def log(self):
            return self._op("log", float(np.log(self.value)), [(self, 1 / self.value)])

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
            adjoint = {target.name: 1.0}
            for out, op, inputs in reversed(self.records):
                for node, local in inputs:
                    adjoint[node.name] = adjoint.get(node.name, 0.0) + adjoint.get(out.name, 0.0) * local
            return adjoint

        def gradient(self, target, sources):
            adjoint = self.adjoints(target)
            return [adjoint.get(s.name, 0.0) for s in sources]

    return MiniTape()


def MiniTape__adjoint_dict_order():
    """Returns the sources' adjoints in the order the sweep met them (dict order), not in the order of `sources`."""
    class Node:
        def __init__(self, value, tape, name):
            self.value, self.tape, self.name = value, tape, name

        def _op(self, op, value, inputs):
            return self.tape.record(op, value, inputs)

        def __add__(self, other):
            if isinstance(other, Node):
                return self._op("+", self.value + other.value, [(self, 1.0), (other, 1.0)])
            return self._op("+", self.value + other, [(self, 1.0)])

        def __sub__(self, other):
            if isinstance(other, Node):
                return self._op("-", self.value - other.value, [(self, 1.0), (other, -1.0)])
            return self._op("-", self.value - other, [(self, 1.0)])

        def __rsub__(self, other):
            return self._op("-", other - self.value, [(self, -1.0)])

        def __mul__(self, other):
            if isinstance(other, Node):
                return self._op("*", self.value * other.value, [(self, other.value), (other, self.value)])
            return self._op("*", self.value * other, [(self, other)])

        def __truediv__(self, other):
            if isinstance(other, Node):
                return self._op("/", self.value / other.value,
                                [(self, 1 / other.value), (other, -self.value / other.value ** 2)])
            return self._op("/", self.value / other, [(self, 1 / other)])

        def __rtruediv__(self, other):
            return self._op("/", other / self.value, [(self, -other / self.value ** 2)])

        def __pow__(self, p):
            return self._op("**", self.value ** p, [(self, p * self.value ** (p - 1))])

        def sin(self):
            return self._op("sin", float(np.sin(self.value)), [(self, float(np.cos(self.value)))])

        def cos(self):
            return self._op("cos", float(np.cos(self.value)), [(self, -float(np.sin(self.value)))])

        def exp(self):
            return self._op("exp", float(np.exp(self.value)), [(self, float(np.exp(self.value)))])

        def log(self):
            return self._op("log", float(np.log(self.value)), [(self, 1 / self.value)])

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
            adjoint = {target.name: 1.0}
            for out, op, inputs in reversed(self.records):
                for node, local in inputs:
                    adjoint[node.name] = adjoint.get(node.name, 0.0) + adjoint.get(out.name, 0.0) * local
            return adjoint

        def gradient(self, target, sources):
            adjoint = self.adjoints(target)
            wanted = {s.name for s in sources}
            return [value for name, value in adjoint.items() if name in wanted]

    return MiniTape()


def passes_needed__swapped(n, m, mode):
    """Swaps n and m: forward mode gives one column per pass (n passes), reverse one row per sweep (m)."""
    return m if mode == "forward" else n


def passes_needed__reverse_always_one(n, m, mode):
    """Reverse mode is one sweep only for a scalar output; a Jacobian with m rows needs m sweeps."""
    return n if mode == "forward" else 1


def passes_needed__hardcoded(n, m, mode):
    """Returns the first public case's value: two passes for seed 001's gradient."""
    return 2


def passes_needed__counts_recording(n, m, mode):
    """Adds the recording pass to the reverse sweeps (m + 1): the statement counts sweeps only."""
    return n if mode == "forward" else m + 1


def passes_needed__cheaper_mode(n, m, mode):
    """Returns min(n, m), the cost of the cheaper mode, whatever mode is asked."""
    return min(n, m)


__all__ = [name for name in dir() if "__" in name.strip("_")]
_unused = tf  # TensorFlow is available to answers, as in the exercise's setup cell
