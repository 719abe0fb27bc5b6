# correct: np.eye(2) lookups for one_hot, a masked bce (log of the chosen probability only), states stacked into one (T+1, N, H) array, np.subtract(out=) updates, np.rint for predict
import itertools

import numpy as np

WORDS = {"as": 0, "soon": 1}


def one_hot(sentences):
    ids = np.array([[WORDS[w] for w in s] for s in sentences], dtype=np.intp)
    return np.eye(2)[ids]


def make_dataset():
    orders = sorted({tuple(p) for p in itertools.permutations(("as", "soon", "as"))})
    X = one_hot(orders)
    t = np.zeros((len(orders), 1))
    t[orders.index(("as", "soon", "as")), 0] = 1.0
    return orders, X, t


def bce_loss(y_hat, y):
    p = np.clip(np.asarray(y_hat, dtype=float), 1e-12, 1 - 1e-12)
    y = np.asarray(y)
    chosen = np.where(y == 1, p, 1.0 - p)   # the probability given to the right answer
    return float(-np.log(chosen).sum() / p.shape[0])


class ManyToOneRNN:
    def __init__(self, input_size=2, hidden_size=3, output_size=1, seed=230907):
        D, H, O = input_size, hidden_size, output_size
        np.random.seed(seed)
        self.Wxh = np.random.randn(D, H)
        self.Whh = np.random.randn(H, H)
        self.Bh = np.random.randn(1, 1)
        self.Wy = np.random.randn(H, O)
        self.By = np.random.randn(1, 1)
        self.params = [self.Wxh, self.Whh, self.Bh, self.Wy, self.By]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.xs = None     # the input of the latest forward, (N, T, D)
        self.hs = None     # its hidden states h_0 .. h_T, each (N, H)
        self.y_hat = None  # the output of the latest loss call, (N, O)
        self.t = None      # the targets of the latest loss call, (N, O)

    @staticmethod
    def _sigmoid(a):
        out = np.empty_like(a, dtype=float)
        pos = a >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
        e = np.exp(a[~pos])
        out[~pos] = e / (1.0 + e)
        return out

    def forward(self, xs):
        xs = np.asarray(xs)
        N, T, _ = xs.shape
        H = self.Whh.shape[0]
        states = np.zeros((T + 1, N, H))
        for step in range(1, T + 1):
            states[step] = np.tanh(xs[:, step - 1, :] @ self.Wxh + states[step - 1] @ self.Whh + self.Bh)
        self.xs, self.hs = xs, states
        return self._sigmoid(states[T] @ self.Wy + self.By)

    def loss(self, xs, t):
        y_hat = self.forward(xs)
        self.y_hat, self.t = y_hat, np.asarray(t).reshape(y_hat.shape)
        return bce_loss(y_hat, self.t)

    def backward(self):
        xs, states = self.xs, self.hs
        N, T, _ = xs.shape
        da = (self.y_hat - self.t) / N
        g_wxh = np.zeros_like(self.Wxh)
        g_whh = np.zeros_like(self.Whh)
        g_bh = 0.0
        g_wy = states[T].T @ da
        g_by = da.sum()
        dh = da @ self.Wy.T
        for step in range(T, 0, -1):
            dz = dh * (1.0 - states[step] ** 2)
            g_wxh += xs[:, step - 1, :].T @ dz
            g_whh += states[step - 1].T @ dz
            g_bh += dz.sum()
            dh = dz @ self.Whh.T
        for slot, value in zip(self.grads, (g_wxh, g_whh, g_bh, g_wy, g_by)):
            slot[...] = value

    def fit(self, xs, t, lr, epochs):
        history = []
        for _ in range(epochs):
            history.append(float(self.loss(xs, t)))
            self.backward()
            for p, g in zip(self.params, self.grads):
                np.subtract(p, lr * g, out=p)
        return history

    def predict(self, xs):
        return np.rint(self.forward(xs) > 0.5).astype(np.int64)


if __name__ == "__main__":
    _, X, t = make_dataset()
    net = ManyToOneRNN()
    print(net.fit(X, t, 0.2, 300)[-1], net.predict(X).T)
