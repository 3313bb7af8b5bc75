"""Unit 11, Gradients at work: the graded questions.

Every model handed to a student is a small Keras Sequential model whose weights the grader
draws (a list of Dense layers as plain data: kernel, bias, activation among tanh, sigmoid,
softplus and linear); the student's step builds it and sets those weights. The references are
computed here in float64 NumPy, never through TensorFlow: the model's forward pass and its
input gradient (a backward pass written out by hand), Jacobians with respect to the flattened
weights and the penalty's weight gradient by central finite differences in float64 (a second
method), and u'' in closed form for the ODE's random u (sines, powers, exponentials and a tanh
network). The process checks: every answer is judged on models and functions drawn at random
(no formula can be typed in), the model's weights must be left as they were, the penalty's
gradient with respect to the critic's weights must exist and be right (double backprop), and
u must be evaluated once (nested tapes, not finite differences).
"""

from __future__ import annotations

import numpy as np

from ..student.compare import close, error_cause
from ..question import Question
from ..student.values import Plain, as_array, coef_text, is_error, show

UNIT = "11_gradients_at_work"
IMAGE = (8, 8)


# --- small networks as plain data, and their float64 NumPy twins ------------------------------
def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "softplus":
        return np.logaddexp(0, z)
    return z


def _dact(name: str, z: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name in ("sigmoid", "softplus"):
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s) if name == "sigmoid" else s
    return np.ones_like(z)


def forward(spec: dict, X: np.ndarray) -> tuple[np.ndarray, list]:
    """The model's outputs (N, k) for inputs X (N, *input) in float64, and each layer's (input, z)."""
    h = np.asarray(X, np.float64).reshape(len(X), -1)
    trace = []
    for layer in spec["layers"]:
        z = h @ np.asarray(layer["W"], np.float64) + np.asarray(layer["b"], np.float64)
        trace.append((h, z))
        h = _act(layer["act"], z)
    return h, trace


def input_vjp(spec: dict, X: np.ndarray, upstream: np.ndarray) -> np.ndarray:
    """Σ_k upstream[n, k] ∂out[n, k]/∂X[n], per example, shape of X: the backward pass by hand."""
    _, trace = forward(spec, X)
    g = np.asarray(upstream, np.float64)
    for layer, (_, z) in zip(reversed(spec["layers"]), reversed(trace)):
        g = (g * _dact(layer["act"], z)) @ np.asarray(layer["W"], np.float64).T
    return g.reshape(np.shape(X))


def flat_params(spec: dict) -> np.ndarray:
    """The weights in the order of model.trainable_variables, each flattened row-major."""
    return np.concatenate([np.concatenate([np.ravel(layer["W"]), np.ravel(layer["b"])])
                           for layer in spec["layers"]]).astype(np.float64)


def with_params(spec: dict, theta: np.ndarray) -> dict:
    out, i = [], 0
    for layer in spec["layers"]:
        W = np.asarray(layer["W"], np.float64)
        n = W.size
        b = np.asarray(layer["b"], np.float64)
        out.append({"W": theta[i:i + n].reshape(W.shape), "b": theta[i + n:i + n + b.size],
                    "act": layer["act"]})
        i += n + b.size
    return {**spec, "layers": out}


def fd_jacobian(fun, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """∂fun/∂theta by central differences in float64: shape fun(theta).shape + (P,)."""
    cols = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        cols.append((np.asarray(fun(theta + e)) - np.asarray(fun(theta - e))) / (2 * h))
    return np.stack(cols, axis=-1)


def random_mlp(rng: np.random.Generator, sizes: list[int], acts: list[str], scale: float = 1.0,
               input_shape: list[int] | None = None) -> dict:
    layers = []
    for i, act in enumerate(acts):
        fan_in = sizes[i]
        W = rng.normal(0, scale / np.sqrt(fan_in), size=(sizes[i], sizes[i + 1]))
        b = rng.normal(0, 0.3, size=sizes[i + 1])
        layers.append({"W": np.round(W, 3).tolist(), "b": np.round(b, 3).tolist(), "act": act})
    return {"input": input_shape or [sizes[0]], "layers": layers}


def _arch(spec: dict) -> str:
    sizes = [str(int(np.prod(spec["input"])))] + [f"{len(layer['b'])} {layer['act']}" for layer in spec["layers"]]
    return " → ".join(sizes)


def image(rng: np.random.Generator, kind: str | None = None) -> np.ndarray:
    """An 8x8 picture in [0, 1]: a bar, a cross or a blob, plus noise on some pixels (many stay
    exactly 0 or 1, so clipping to the valid range matters)."""
    kind = kind or str(rng.choice(["hbar", "vbar", "cross", "blob"]))
    x = np.zeros(IMAGE)
    r, c = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    if kind in ("hbar", "cross"):
        x[r, 1:7] = 1
    if kind in ("vbar", "cross"):
        x[1:7, c] = 1
    if kind == "blob":
        yy, xx = np.mgrid[0:8, 0:8]
        x = np.exp(-((yy - r) ** 2 + (xx - c) ** 2) / 3.0)
        x[x < 0.05] = 0
    mask = rng.random(IMAGE) < 0.5
    x = np.clip(x + mask * rng.uniform(-0.3, 0.3, IMAGE), 0, 1)
    return np.round(x, 3)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _value(got: Plain) -> Plain:
    return got["value"] if isinstance(got, dict) and "value" in got else got


def _weights_changed(got: Plain) -> str | None:
    if isinstance(got, dict) and got.get("unchanged") is False:
        return ("the model's weights were changed: this function must only read the model "
                "(no optimizer step, no assign)")
    return None


WEIGHT_GRADS = ("the result has the shape of a list of weight tensors: the gradient was taken "
                "with respect to model.trainable_variables, not the input x (tape.watch(x), then "
                "tape.gradient(target, x))")


def _listish(value: Plain) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict) or v is None for v in value)


# --- 1. gauss_newton_step -------------------------------------------------------------------------
class GaussNewtonStep(Question):
    """gauss_newton_step(model, X, y, damping) -> the damped Gauss–Newton step on the flattened weights."""

    name, unit = "gauss_newton_step", UNIT
    summary = "a damped Gauss–Newton step for a Keras model, from the Jacobian of its residuals"
    n_hidden = 3  # each case builds a Keras model and a jacobian (~0.2 s)

    def public(self):
        rng = np.random.default_rng(11)
        spec = random_mlp(rng, [1, 4, 1], ["tanh", "linear"])
        X = np.linspace(-2, 2, 6).reshape(-1, 1)
        return [self.case(spec, np.round(X, 3), np.round(np.sin(X[:, 0]), 3), 0.5,
                          text="the lecture's sin fit, 1 → 4 tanh → 1 linear")]

    def hidden(self, rng):
        """Every stream: a 1-hidden-layer net, a 2-hidden-layer net and one more, with damping
        from 0.05 to 1, and the step far enough from −Jᵀr and from the undamped step that each
        of those mistakes shows."""
        archs = [
            lambda d: ([d, int(rng.integers(3, 6)), 1], [str(rng.choice(["tanh", "sigmoid"])), "linear"]),
            lambda d: ([d, 3, 3, 1], ["tanh", str(rng.choice(["tanh", "softplus"])), "linear"]),
            lambda d: ([d, int(rng.integers(2, 5)), 1], [str(rng.choice(["tanh", "softplus", "sigmoid"])), "linear"]),
        ]
        cases = []
        for make in archs[: self.n_hidden]:
            while True:
                d = int(rng.integers(1, 4))
                sizes, acts = make(d)
                spec = random_mlp(rng, sizes, acts)
                n = int(rng.integers(4, 9))
                X = np.round(rng.uniform(-2, 2, size=(n, d)), 3)
                y = np.round(rng.normal(size=n), 3)
                damping = float(np.round(rng.uniform(0.05, 1.0), 2))
                ref = self.expected(spec, X, y, damping)
                J, r = self._jr(spec, X, y)
                gd = -J.T @ r
                undamped = -np.linalg.pinv(J) @ r
                scale = np.max(np.abs(ref))
                if (0.05 < scale < 50 and np.max(np.abs(gd - ref)) > 0.05 * scale
                        and np.max(np.abs(undamped - ref)) > 0.05 * scale):
                    break
            cases.append(self.case(spec, X, y, damping))
        return cases

    def case(self, spec, X, y, damping, text=None):
        return super().case(spec, X, y, damping,
                            label=f"gauss_newton_step(model {text or _arch(spec)}, X of shape "
                                  f"{X.shape}, y, damping={damping})")

    @staticmethod
    def _jr(spec, X, y):
        theta = flat_params(spec)

        def residuals(t):
            return forward(with_params(spec, t), X)[0][:, 0] - np.asarray(y, np.float64)

        return fd_jacobian(residuals, theta), residuals(theta)

    def expected(self, spec, X, y, damping):
        J, r = self._jr(spec, X, y)
        P = J.shape[1]
        return -np.linalg.solve(J.T @ J + damping * np.eye(P), J.T @ r)

    def judge(self, got, want, spec, X, y, damping):
        value = _value(got)
        if is_error(value):
            return f"your function stopped with an error: {error_cause(value)}"
        changed = _weights_changed(got)
        if changed:
            return changed
        if _listish(value):
            return ("returned a list (one entry per variable?): flatten each of "
                    "model.trainable_variables' pieces with tf.reshape(·, [-1]) and tf.concat them "
                    f"into one vector of {want.size} numbers")
        J, r = self._jr(spec, X, y)
        P = J.shape[1]
        scale = float(np.max(np.abs(want)))
        g = as_array(value)
        if g is not None and g.size == P and g.shape != (P,):
            return f"shape {tuple(g.shape)}, expected ({P},): return a flat vector (tf.reshape(step, [-1]))"

        def hints(g, w):
            if np.allclose(g, -w, atol=1e-3 * scale, rtol=1e-3):
                return ("that is the step with the wrong sign: with residuals r = model(X)[:, 0] − y "
                        "the step is −(JᵀJ + λI)⁻¹Jᵀr")
            if np.allclose(g, -J.T @ r, atol=1e-3 * scale, rtol=1e-3):
                return "that is −Jᵀr, a gradient step of ½‖r‖²: solve with JᵀJ + λI"
            if np.allclose(g, -np.linalg.pinv(J) @ r, atol=1e-3 * scale, rtol=1e-3):
                return "that is the undamped step (pseudo-inverse): add damping·I to JᵀJ"
            return ("the values differ: check that J is d(residuals)/d(weights) with each variable "
                    "reshaped to [N, -1] in the order of model.trainable_variables (kernel, bias, "
                    "kernel, bias...), and that the step solves (JᵀJ + λI) Δ = −Jᵀr")

        return close(value, want, atol=1e-3 * max(scale, 1e-3), rtol=2e-3, hints=[hints])


# --- 2. saliency -------------------------------------------------------------------------------
def _image_case_spec(rng: np.random.Generator, k: int | None = None) -> dict:
    k = k or int(rng.integers(3, 5))
    hidden = int(rng.integers(6, 11))
    act = str(rng.choice(["tanh", "sigmoid", "softplus"]))
    return random_mlp(rng, [64, hidden, k], [act, "linear"], scale=1.5, input_shape=list(IMAGE))


class Saliency(Question):
    """saliency(model, x, label) -> |∂ logits[label] / ∂x|, shape (8, 8)."""

    name, unit = "saliency", UNIT
    summary = "a saliency map: the absolute input gradient of one class's logit"
    n_hidden = 4

    def public(self):
        rng = np.random.default_rng(110)
        spec = _image_case_spec(rng, 3)
        return [self.case(spec, image(np.random.default_rng(1), "cross"), 0),
                self.case(spec, image(np.random.default_rng(2), "vbar"), 2)]

    def hidden(self, rng):
        """Every stream: four models with 3 or 4 classes and their three activations, the label
        one that is not the largest logit in at least one case (so the predicted class is not
        the asked one), each picture kind."""
        cases = []
        kinds = [str(k) for k in rng.permutation(["hbar", "vbar", "cross", "blob"])]
        for i in range(self.n_hidden):
            spec = _image_case_spec(rng)
            x = image(rng, kinds[i])
            z = forward(spec, x[None])[0][0]
            k = len(z)
            label = int(rng.integers(0, k))
            if i == 0:
                label = int(np.argsort(z)[0])  # the smallest logit: not the prediction
            cases.append(self.case(spec, x, label))
        return cases

    def case(self, spec, x, label):
        return super().case(spec, x, label, label=f"saliency(model {_arch(spec)}, 8x8 picture, label={label})")

    def expected(self, spec, x, label):
        k = len(spec["layers"][-1]["b"])
        return np.abs(input_vjp(spec, x[None], np.eye(k)[label][None])[0])

    def judge(self, got, want, spec, x, label):
        value = _value(got)
        if is_error(value):
            return f"your function stopped with an error: {error_cause(value)}"
        changed = _weights_changed(got)
        if changed:
            return changed
        if _listish(value):
            return WEIGHT_GRADS
        k = len(spec["layers"][-1]["b"])
        scale = float(np.max(want))
        z = forward(spec, x[None])[0][0]
        p = _softmax(z)

        def vjp(v):
            return input_vjp(spec, x[None], np.asarray(v)[None])[0]

        def hints(g, w):
            tol = dict(atol=1e-4 * scale, rtol=1e-3)
            signed = vjp(np.eye(k)[label])
            if np.allclose(g, signed, **tol) or np.allclose(g, -signed, **tol):
                return "that is the signed gradient: a saliency map is its absolute value, tf.abs(...)"
            if np.allclose(np.abs(g), np.abs(vjp(np.ones(k))), **tol):
                return ("that is the gradient of the sum of all logits: a vector target is summed, "
                        "take model(x[None])[0, label] as the target")
            if np.allclose(np.abs(g), np.abs(vjp(p[label] * (np.eye(k)[label] - p))), **tol):
                return "that is the gradient of the softmax probability: the question asks for the logit"
            if np.allclose(np.abs(g), np.abs(vjp(p - np.eye(k)[label])), **tol):
                return "that is the gradient of the loss: the question asks for the logit of `label`"
            pred = int(np.argmax(z))
            if pred != label and np.allclose(np.abs(g), np.abs(vjp(np.eye(k)[pred])), **tol):
                return f"that is the map of the predicted class {pred}, not of label={label}"
            return None

        return close(value, want, atol=1e-4 * scale, rtol=1e-3, hints=[hints])


# --- 3. fgsm -----------------------------------------------------------------------------------
class Fgsm(Question):
    """fgsm(model, x, label, eps) -> clip(x + eps·sign(∇x loss), 0, 1)."""

    name, unit = "fgsm", UNIT
    summary = "an FGSM adversarial example: one signed step up the loss's input gradient, clipped"
    n_hidden = 4

    def public(self):
        rng = np.random.default_rng(110)
        spec = _image_case_spec(rng, 3)
        return [self.case(spec, image(np.random.default_rng(1), "cross"), 0, 0.1)]

    def hidden(self, rng):
        """Every stream: four models and pictures, eps from 0.05 to 0.3; in every case the loss
        gradient's entries are all well away from 0 (float32 and float64 agree on each sign), the
        predicted class differs from the label in at least one case, and clipping changes pixels."""
        cases = []
        kinds = [str(k) for k in rng.permutation(["hbar", "vbar", "cross", "blob"])]
        for i in range(self.n_hidden):
            while True:
                spec = _image_case_spec(rng)
                x = image(rng, kinds[i])
                z = forward(spec, x[None])[0][0]
                label = int(np.argsort(z)[0]) if i == 0 else int(rng.integers(0, len(z)))
                g = self._grad(spec, x, label)
                if np.min(np.abs(g)) > 1e-3 * np.max(np.abs(g)):
                    break
            cases.append(self.case(spec, x, label, float(np.round(rng.uniform(0.05, 0.3), 2))))
        return cases

    def case(self, spec, x, label, eps):
        return super().case(spec, x, label, eps,
                            label=f"fgsm(model {_arch(spec)}, 8x8 picture, label={label}, eps={eps})")

    @staticmethod
    def _grad(spec, x, label):
        z = forward(spec, x[None])[0][0]
        k = len(z)
        p = _softmax(z)
        return input_vjp(spec, x[None], (p - np.eye(k)[label])[None])[0]

    def expected(self, spec, x, label, eps):
        return np.clip(x + eps * np.sign(self._grad(spec, x, label)), 0, 1)

    def judge(self, got, want, spec, x, label, eps):
        value = _value(got)
        if is_error(value):
            return f"your function stopped with an error: {error_cause(value)}"
        changed = _weights_changed(got)
        if changed:
            return changed
        if _listish(value):
            return WEIGHT_GRADS
        g = self._grad(spec, x, label)
        z = forward(spec, x[None])[0][0]

        def hints(a, w):
            tol = dict(atol=1e-5, rtol=0)
            s = np.sign(g)
            if np.allclose(a, np.clip(x - eps * s, 0, 1), **tol):
                return "that steps down the loss (x − eps·sign(g)): an attack climbs it, x + eps·sign(g)"
            if np.allclose(a, x + eps * s, **tol):
                return "pixels left the valid range [0, 1]: clip the result (tf.clip_by_value(x_adv, 0, 1))"
            if np.allclose(a, np.clip(x + eps * g, 0, 1), **tol) or np.allclose(a, x + eps * g, **tol):
                return "that steps by eps·g: FGSM uses the sign of the gradient, eps·tf.sign(g)"
            pred = int(np.argmax(z))
            if pred != label and np.allclose(
                    a, np.clip(x + eps * np.sign(self._grad(spec, x, pred)), 0, 1), **tol):
                return f"that attacks the predicted class {pred}: use the true label={label} in the loss"
            return ("some pixels moved the wrong way: the loss is the cross-entropy of the logits "
                    "model(x[None]) against label (from_logits=True), differentiated with respect to x")

        return close(value, want, atol=1e-5, rtol=0, hints=[hints])


# --- 4. gradient_penalty -----------------------------------------------------------------------
class GradientPenalty(Question):
    """gradient_penalty(critic, x) -> mean over the batch of (‖∇x critic(x)ᵢ‖ − 1)², differentiable
    with respect to the critic's weights."""

    name, unit = "gradient_penalty", UNIT
    summary = "a gradient penalty by double backprop: its own gradient with respect to the weights must flow"
    n_hidden = 3

    def public(self):
        rng = np.random.default_rng(111)
        spec = random_mlp(rng, [2, 8, 1], ["tanh", "linear"], scale=2.0)
        x = np.round(np.random.default_rng(3).normal(size=(4, 2)), 3)
        return [self.case(spec, x)]

    def hidden(self, rng):
        """Every stream: one to three inputs of dimension 2 to 4, a batch of 3 to 6, critics with
        one or two hidden layers whose gradient norms straddle 1 (so "−1" matters) and differ
        between examples (so a mean of norms differs from the norm of the whole batch)."""
        cases = []
        for i in range(self.n_hidden):
            while True:
                d = int(rng.integers(2, 5))
                if i == 1:
                    spec = random_mlp(rng, [d, 4, 3, 1], ["tanh", "softplus", "linear"], scale=2.0)
                else:
                    spec = random_mlp(rng, [d, int(rng.integers(4, 9)), 1],
                                      [str(rng.choice(["tanh", "sigmoid", "softplus"])), "linear"], scale=2.5)
                x = np.round(rng.normal(size=(int(rng.integers(3, 7)), d)), 3)
                norms = np.linalg.norm(input_vjp(spec, x, np.ones((len(x), 1))), axis=1)
                if norms.min() > 0.1 and norms.max() < 5 and np.ptp(norms) > 0.2 and abs(norms.mean() - 1) > 0.05:
                    break
            cases.append(self.case(spec, x))
        return cases

    def case(self, spec, x):
        return super().case(spec, x, label=f"gradient_penalty(critic {_arch(spec)}, x of shape {x.shape})")

    @staticmethod
    def penalty(spec, x, variant: str = "right"):
        g = input_vjp(spec, x, np.ones((len(x), 1)))
        norms = np.linalg.norm(g, axis=1)
        if variant == "sum":
            return np.sum((norms - 1) ** 2)
        if variant == "no_minus_one":
            return np.mean(norms ** 2)
        if variant == "squared_norm":
            return np.mean((norms ** 2 - 1) ** 2)
        if variant == "batch_norm":
            return (np.linalg.norm(g) - 1) ** 2
        return np.mean((norms - 1) ** 2)

    def expected(self, spec, x):
        theta = flat_params(spec)
        value = self.penalty(spec, x)
        grad = fd_jacobian(lambda t: self.penalty(with_params(spec, t), x), theta)
        return {"value": value, "grad": grad}

    def judge(self, got, want, spec, x):
        value = _value(got)
        if is_error(value):
            return f"your function stopped with an error: {error_cause(value)}"
        if _listish(value):
            return "returned a list: return one number, the mean over the batch"
        a = as_array(value)
        if a is None:
            return f"returned {show(value)}; return one scalar tensor"
        if a.size != 1:
            return (f"returned shape {tuple(a.shape)}, expected one number: take the mean over the "
                    "batch of (‖gᵢ‖ − 1)²")

        def hints(g, w):
            for variant, text in [
                ("sum", "that is the sum over the batch: take the mean"),
                ("no_minus_one", "that is the mean of ‖g‖²: the penalty is (‖g‖ − 1)², it pulls the norm to 1"),
                ("squared_norm", "that is (‖g‖² − 1)²: use the norm, tf.norm(g, axis=1) (or the square root of the sum of squares)"),
                ("batch_norm", "that is (‖g‖ − 1)² of one norm over the whole batch: take the norm of each "
                               "example's gradient (axis=1), then the mean"),
            ]:
                if np.allclose(g, self.penalty(spec, x, variant), atol=1e-4, rtol=1e-3):
                    return text
            return None

        problem = close(value, want["value"], atol=1e-4, rtol=1e-3, hints=[hints])
        if problem:
            return problem
        grads = got["grads"]
        if is_error(grads):
            return f"the penalty could not be differentiated with respect to the critic's weights: {error_cause(grads)}"
        w = want["grad"]
        g = as_array(grads)
        if g is not None and g.shape == w.shape and not np.any(g) and np.any(np.abs(w) > 1e-6):
            return ("the penalty is right, but its gradient with respect to the critic's weights is "
                    "None (zero everywhere): the input gradient left TensorFlow (.numpy(), NumPy or "
                    "tf.stop_gradient), so no tape recorded how it depends on the weights. Compute "
                    "‖∇x critic‖ with tensor ops, inside the caller's tape (double backprop)")
        problem = close(grads, w, atol=1e-3 * max(1.0, float(np.max(np.abs(w)))), rtol=2e-3)
        if problem:
            return ("the penalty's value is right but its gradient with respect to the critic's "
                    f"weights is not ({problem}): the input gradient must be recorded by the caller's "
                    "tape (no persistent=False tricks, no tf.stop_gradient)")
        return None


# --- 5. ode_residual ---------------------------------------------------------------------------
def _u_terms(rng: np.random.Generator, kinds: list[str]) -> list[dict]:
    terms = []
    for k in kinds:
        c = float(np.round(rng.uniform(0.5, 2) * rng.choice([-1, 1]), 2))
        if k == "sin":
            terms.append({"kind": "sin", "c": c, "w": float(np.round(rng.uniform(0.5, 2.5), 2)),
                          "phi": float(np.round(rng.uniform(-1, 1), 2))})
        elif k == "pow":
            terms.append({"kind": "pow", "c": c, "p": int(rng.integers(2, 4))})
        elif k == "exp":
            terms.append({"kind": "exp", "c": c, "r": float(np.round(rng.uniform(-1, 1), 2))})
        elif k == "mlp":
            h = int(rng.integers(3, 6))
            terms.append({"kind": "mlp", "w1": np.round(rng.normal(0, 1.5, h), 3).tolist(),
                          "b1": np.round(rng.normal(0, 0.5, h), 3).tolist(),
                          "w2": np.round(rng.normal(0, 1, h), 3).tolist(), "b2": float(np.round(rng.normal(), 3))})
    return terms


def u_derivs(terms: list[dict], t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """u, u' and u'' at t (shape (N,)) in closed form, float64."""
    t = np.asarray(t, np.float64)
    u, d1, d2 = (np.zeros_like(t) for _ in range(3))
    for term in terms:
        k = term["kind"]
        if k == "sin":
            c, w, phi = term["c"], term["w"], term["phi"]
            u += c * np.sin(w * t + phi)
            d1 += c * w * np.cos(w * t + phi)
            d2 -= c * w ** 2 * np.sin(w * t + phi)
        elif k == "pow":
            c, p = term["c"], term["p"]
            u += c * t ** p
            d1 += c * p * t ** (p - 1)
            d2 += c * p * (p - 1) * t ** (p - 2)
        elif k == "exp":
            c, r = term["c"], term["r"]
            u += c * np.exp(r * t)
            d1 += c * r * np.exp(r * t)
            d2 += c * r ** 2 * np.exp(r * t)
        elif k == "mlp":
            w1, b1, w2 = (np.asarray(term[n], np.float64) for n in ("w1", "b1", "w2"))
            a = np.tanh(np.outer(t, w1) + b1)
            u += a @ w2 + term["b2"]
            d1 += ((1 - a ** 2) * w1) @ w2
            d2 += (-2 * a * (1 - a ** 2) * w1 ** 2) @ w2
    return u, d1, d2


def _u_text(terms: list[dict]) -> str:
    def n(v):
        return coef_text(float(v))

    parts = []
    for term in terms:
        k = term["kind"]
        if k == "sin":
            phase = f" + {n(term['phi'])}" if term["phi"] else ""
            parts.append(f"{n(term['c'])}·sin({n(term['w'])}t{phase})")
        elif k == "pow":
            parts.append(f"{n(term['c'])}·t**{term['p']}")
        elif k == "exp":
            parts.append(f"{n(term['c'])}·exp({n(term['r'])}t)")
        elif k == "mlp":
            parts.append(f"a tanh network with {len(term['w1'])} hidden units")
    return " + ".join(parts).replace("+ -", "- ")


class OdeResidual(Question):
    """ode_residual(u_model, t) -> u''(t) + u(t), shape (N, 1), by nested tapes and one call of u_model."""

    name, unit = "ode_residual", UNIT
    summary = "the residual u'' + u of a physics-informed loss, by two nested tapes"
    n_hidden = 4

    def public(self):
        t = np.round(np.linspace(0, 3, 5), 3)
        return [
            self.case([{"kind": "sin", "c": 1.0, "w": 1.0, "phi": 0.0}], t),  # sin t solves it
            self.case([{"kind": "pow", "c": 1.0, "p": 2}], t),  # t² gives 2 + t²
        ]

    def hidden(self, rng):
        """Every stream: a tanh network, a sine of another frequency (its residual is not 0), a
        power with an exponential, and one mix; t of 4 to 9 points in [-2, 2]."""
        mixes = [["mlp"], ["sin"], ["pow", "exp"], [str(k) for k in rng.choice(["sin", "pow", "exp", "mlp"], 2, replace=False)]]
        cases = []
        for kinds in mixes[: self.n_hidden]:
            while True:
                terms = _u_terms(rng, kinds)
                t = np.round(np.sort(rng.uniform(-2, 2, int(rng.integers(4, 10)))), 3)
                u, d1, d2 = u_derivs(terms, t)
                if np.max(np.abs(d2)) > 0.2 and np.max(np.abs(d2 + u)) < 200 and np.max(np.abs(d1 - d2)) > 0.1:
                    break
            cases.append(self.case(terms, t))
        return cases

    def case(self, terms, t):
        return super().case(terms, t, label=f"ode_residual(u = {_u_text(terms)}, t of {len(t)} points)")

    def expected(self, terms, t):
        u, _, d2 = u_derivs(terms, t)
        return (d2 + u).reshape(-1, 1)

    def judge(self, got, want, terms, t):
        value, calls = got["value"], got["calls"]
        if is_error(value):
            msg = f"{value['type']}: {value['message']}"
            if "NoneType" in msg or "None" in msg:
                return ("a first derivative was None and your code then failed: the inner "
                        "tape.gradient must run inside the outer tape's `with` block, and t (a tensor) "
                        f"must be watched by both tapes ({error_cause(value)})")
            return f"your function stopped with an error: {error_cause(value)}"
        if len(calls) == 0:
            return f"returned {show(value)} without calling u_model: the residual must come from u_model"
        if len(calls) > 1:
            return (f"called u_model {len(calls)} times: two nested tapes around one call give u, u' "
                    "and u'' (finite differences need several calls, and lose precision)")
        if value is None:
            return ("returned None: the outer tape recorded no path to t. Watch t in both tapes and "
                    "call inner.gradient inside the outer `with` block")
        u, d1, d2 = u_derivs(terms, t)
        scale = max(1.0, float(np.max(np.abs(want))))

        def hints(g, w):
            g = g.reshape(-1)
            tol = dict(atol=1e-3 * scale, rtol=1e-3)
            for other, text in [
                (d1 + u, "that is u' + u: differentiate twice (the outer tape differentiates the inner gradient)"),
                (d2 - u, "that is u'' − u: the ODE is u'' + u = 0"),
                (d2, "that is u'' alone: the residual is u'' + u"),
                (d1, "that is u' alone: the residual is u'' + u"),
            ]:
                if np.allclose(g, other, **tol):
                    return text
            return None

        g = as_array(value)
        if g is not None and g.size == len(t) and g.shape != (len(t), 1):
            return f"shape {tuple(g.shape)}, expected ({len(t)}, 1), the shape of t and of u_model(t)"
        return close(value, want, atol=1e-3 * scale, rtol=1e-3, hints=[hints])
