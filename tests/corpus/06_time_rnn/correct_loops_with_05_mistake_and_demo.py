# correct: explicit loops everywhere, verbose debug flag, a __main__ demo; the RNN pasted from 05 still averages db over the batch (a cell mistake the README says costs points only in 05)
import numpy as np

DEBUG = False


def debug(*args):
    if DEBUG:
        print("[layers]", *args)


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
        dt = dh_next * (1 - h_next ** 2)
        db = np.mean(dt, axis=0)   # TODO 05 said this should be a sum
        dWh = np.dot(h_prev.T, dt)
        dWx = np.dot(x.T, dt)
        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)


class Embedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        W = self.params[0]
        self.idx = idx
        out = np.zeros((len(idx), W.shape[1]), dtype=W.dtype)
        for n in range(len(idx)):
            out[n] = W[idx[n]]
        return out

    def backward(self, dout):
        dW = self.grads[0]
        dW[...] = 0
        for n in range(len(self.idx)):
            dW[self.idx[n]] += dout[n]
        debug("Embedding dW norm", np.linalg.norm(dW))
        return None


class TimeEmbedding:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.layers = None
        self.W = W

    def forward(self, xs):
        N, T = xs.shape
        D = self.W.shape[1]
        out = np.zeros((N, T, D), dtype=self.W.dtype)
        self.layers = []
        for t in range(T):
            emb = Embedding(self.W)
            out[:, t, :] = emb.forward(xs[:, t])
            self.layers.append(emb)
        debug("TimeEmbedding forward", out.shape)
        return out

    def backward(self, dout):
        self.grads[0][...] = 0
        for t in range(len(self.layers)):
            self.layers[t].backward(dout[:, t, :])
            self.grads[0][...] += self.layers[t].grads[0]
        return None


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wh.shape[0]
        if self.stateful and self.h is not None:
            h = self.h
        else:
            h = np.zeros((N, H))
        debug("TimeRNN forward from", "carried state" if h is self.h else "zeros")
        hs = np.zeros((N, T, H))
        self.layers = []
        for t in range(T):
            cell = RNN(Wx, Wh, b)
            h = cell.forward(xs[:, t, :], h)
            hs[:, t, :] = h
            self.layers.append(cell)
        self.h = h
        return hs

    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]
        dxs = np.zeros((N, T, D))
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        dh = np.zeros((N, H))
        for t in range(T - 1, -1, -1):
            cell = self.layers[t]
            dx, dh = cell.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            dWx += cell.grads[0]
            dWh += cell.grads[1]
            db += cell.grads[2]
        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db
        self.dh = dh
        debug("TimeRNN dh", dh.shape)
        return dxs

    def set_state(self, h):
        self.h = h

    def reset_state(self):
        self.h = None


class TimeAffine:
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        W, b = self.params
        N, T, D = x.shape
        out = np.zeros((N, T, W.shape[1]))
        for t in range(T):
            out[:, t, :] = np.dot(x[:, t, :], W) + b
        self.x = x
        return out

    def backward(self, dout):
        W, b = self.params
        x = self.x
        N, T, D = x.shape
        dx = np.zeros(x.shape)
        dW = np.zeros_like(W)
        db = np.zeros_like(b)
        for t in range(T):
            dx[:, t, :] = np.dot(dout[:, t, :], W.T)
            dW += np.dot(x[:, t, :].T, dout[:, t, :])
            db += np.sum(dout[:, t, :], axis=0)
        self.grads[0][...] = dW
        self.grads[1][...] = db
        return dx


if __name__ == "__main__":
    DEBUG = True
    rng = np.random.default_rng(0)
    layer = TimeAffine(rng.normal(size=(3, 2)), np.zeros(2))
    y = layer.forward(rng.normal(size=(2, 4, 3)))
    print(y.shape, layer.backward(np.ones_like(y)).shape)
