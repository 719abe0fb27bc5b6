# correct: np.matmul with swapaxes, defensive float copies of the inputs, grads zeroed then added (fill(0); +=), a guarded gradient-check demo
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        x = np.array(x, dtype=float)
        h_prev = np.array(h_prev, dtype=float)
        pre = np.matmul(h_prev, Wh) + np.matmul(x, Wx) + b[np.newaxis, :]
        out = np.tanh(pre)
        self.cache = {"x": x, "h_prev": h_prev, "out": out.copy()}
        return out

    def backward(self, dh_next):
        Wx, Wh, _ = self.params
        x, h_prev, out = self.cache["x"], self.cache["h_prev"], self.cache["out"]
        delta = np.asarray(dh_next, dtype=float) * (1.0 - out * out)
        contributions = (np.matmul(np.swapaxes(x, 0, 1), delta),
                         np.matmul(np.swapaxes(h_prev, 0, 1), delta),
                         delta.sum(axis=0))
        for g, c in zip(self.grads, contributions):
            g.fill(0)
            g += c
        return np.matmul(delta, np.swapaxes(Wx, 0, 1)), np.matmul(delta, np.swapaxes(Wh, 0, 1))


def _numeric(f, p, dout, eps=1e-6):
    g = np.zeros_like(p)
    it = np.nditer(p, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = p[i]
        p[i] = old + eps
        plus = np.sum(f() * dout)
        p[i] = old - eps
        minus = np.sum(f() * dout)
        p[i] = old
        g[i] = (plus - minus) / (2 * eps)
    return g


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    N, D, H = 3, 4, 5
    Wx, Wh, b = rng.normal(size=(D, H)), rng.normal(size=(H, H)), rng.normal(size=H)
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    dout = rng.normal(size=(N, H))
    cell = RNN(Wx, Wh, b)
    cell.forward(x, h)
    dx, dh = cell.backward(dout)
    f = lambda: RNN(Wx, Wh, b).forward(x, h)  # noqa: E731
    for name, analytic, p in [("dx", dx, x), ("dh", dh, h), ("dWx", cell.grads[0], Wx),
                              ("dWh", cell.grads[1], Wh), ("db", cell.grads[2], b)]:
        print(name, np.max(np.abs(analytic - _numeric(f, p, dout))))
