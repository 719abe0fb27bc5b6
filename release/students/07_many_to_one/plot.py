"""Watch your classifier learn: the training loss, and the hidden state at each time step.

    python plot.py                       # trains your ManyToOneRNN, writes many_to_one.png
    python plot.py --out mine.png --lr 0.2 --epochs 300

Optional, and not graded. It needs matplotlib (`pip install matplotlib`),
which the tests do not. It runs your own classifier.py: `make_dataset`, then
`ManyToOneRNN().fit(X, t, lr, epochs)`, then `forward(X)`, and reads the hidden
states h_0 .. h_T that forward keeps in `self.hs`.

The figure has the loss of every epoch on top and, below, one panel per
sentence: the H hidden units after training, from h_0 = 0 through the three
words. The sentence "as soon as" should end somewhere the other two do not;
that last hidden state is all the output layer sees.
"""

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


class PlotError(Exception):
    """Something to fix before the plot can be drawn; the message says what."""


def load_classifier(path):
    """Import classifier.py from `path` (your file, wherever this script is run from)."""
    path = Path(path)
    if not path.is_file():
        raise PlotError(f"{path} does not exist: run plot.py in your assignment folder or give --classifier")
    spec = importlib.util.spec_from_file_location("classifier", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise PlotError(f"importing {path.name} failed: {type(exc).__name__}: {exc}") from None
    return module


def hidden_states(model, T, N):
    """The hidden states of the latest forward as one array of shape (T + 1, N, H)."""
    kept = getattr(model, "hs", None)
    if kept is None:
        raise PlotError("forward did not keep its hidden states: store h_0 .. h_T in self.hs "
                        "(a list of T + 1 arrays of shape (N, H)), as the README says")
    try:
        hs = np.asarray(kept, dtype=float)
    except (TypeError, ValueError):
        raise PlotError("self.hs should hold T + 1 arrays of the same shape (N, H)") from None
    if hs.ndim != 3 or hs.shape[:2] != (T + 1, N):
        raise PlotError(f"self.hs has shape {hs.shape}; expected ({T + 1}, {N}, H): "
                        "h_0 .. h_T for the batch of the latest forward")
    return hs


def train(classifier, lr, epochs):
    """Train a fresh model on the three sentences; returns what the figure shows."""
    try:
        sentences, X, t = classifier.make_dataset()
        model = classifier.ManyToOneRNN()
        losses = model.fit(X, t, lr, epochs)
        probabilities = np.asarray(model.forward(X), dtype=float).reshape(-1)
    except NotImplementedError as exc:
        raise PlotError(f"classifier.py is not finished yet ({exc}): fill it in, "
                        "run python -m pytest, then plot") from None
    except Exception as exc:
        raise PlotError(f"your classifier raised {type(exc).__name__}: {exc}") from None
    N, T = X.shape[0], X.shape[1]
    losses = np.asarray(losses, dtype=float).reshape(-1)
    if losses.size != epochs:
        raise PlotError(f"fit returned {losses.size} losses for {epochs} epochs; it should return one per epoch")
    return sentences, np.asarray(t).reshape(-1), losses, probabilities, hidden_states(model, T, N)


def draw(sentences, targets, losses, probabilities, hs, path):
    """Save the figure: the loss curve on top, one panel of hidden states per sentence below."""
    import matplotlib
    matplotlib.use("Agg")  # draw into a file; no window needed
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    T, N, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    figure = plt.figure(figsize=(9, 6), dpi=100)
    grid = figure.add_gridspec(2, N, height_ratios=(1, 1.2))
    top = figure.add_subplot(grid[0, :])
    top.plot(np.arange(1, losses.size + 1), losses, color="#4c72b0")
    top.set_yscale("log")
    top.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    top.set_xlabel("epoch")
    top.set_ylabel("loss (BCE)")
    top.set_title(f"training loss: {losses[0]:.3f} at epoch 1, {losses[-1]:.4f} at epoch {losses.size}")
    for n in range(N):
        axes = figure.add_subplot(grid[1, n])
        for unit in range(H):
            axes.plot(range(T + 1), hs[:, n, unit], marker="o", label=f"h[{unit}]")
        axes.set_xticks(range(T + 1), ["h_0", *sentences[n]])
        axes.set_ylim(-1.05, 1.05)
        axes.axhline(0, color="#999999", linewidth=0.5)
        axes.set_title(f"{' '.join(sentences[n])!r}\ntarget {targets[n]:g}, p = {probabilities[n]:.3f}",
                       fontsize=10)
        if n == 0:
            axes.set_ylabel("hidden state after each word")
            axes.legend(fontsize=8, loc="lower left")
        else:
            axes.set_yticklabels([])
    figure.tight_layout()
    figure.savefig(path, format="png", metadata={"Software": None})
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classifier", default=HERE / "classifier.py", help="your classifier.py")
    parser.add_argument("--out", default="many_to_one.png", help="the PNG to write (default: many_to_one.png)")
    parser.add_argument("--lr", type=float, default=0.2, help="learning rate (default: 0.2)")
    parser.add_argument("--epochs", type=int, default=300, help="epochs of training (default: 300)")
    args = parser.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("plot.py draws with matplotlib, which is not installed: pip install matplotlib", file=sys.stderr)
        return 1
    if args.epochs < 1:
        print("--epochs must be 1 or more", file=sys.stderr)
        return 1
    try:
        draw(*train(load_classifier(args.classifier), args.lr, args.epochs), args.out)
    except PlotError as exc:
        print(f"plot.py: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
