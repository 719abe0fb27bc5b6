# correct: np.seterr(all="raise") and a small demo at the top level, not guarded by __main__ (fast, prints shapes), tanh' factorised as (1 - h) * (1 + h)
import numpy as np

np.seterr(all="raise")  # make any overflow or invalid value an error while debugging


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(np.dot(h_prev, Wh) + np.dot(x, Wx) + b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next) * (1 + h_next)
        self.grads[0][...] = np.dot(x.T, dt)
        self.grads[1][...] = np.dot(h_prev.T, dt)
        self.grads[2][...] = np.sum(dt, axis=0)
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)


# quick check of the shapes
_rng = np.random.default_rng(42)
_cell = RNN(_rng.normal(size=(3, 4)), _rng.normal(size=(4, 4)), np.zeros(4))
_h = _cell.forward(_rng.normal(size=(2, 3)), np.zeros((2, 4)))
_dx, _dh = _cell.backward(np.ones_like(_h))
print("h_next", _h.shape, "dx", _dx.shape, "dh_prev", _dh.shape)
