"""The score distribution of a class as a PNG histogram (matplotlib, no screen needed).

matplotlib is an optional extra (`pip install 'backprop-rnn-kit[reports]'`):
grading never needs it. The figure is drawn on a bare Figure with the Agg
canvas rather than through pyplot, so it touches no global backend state and
works on a server without a display.

Korean labels need a font with Hangul; matplotlib's own fonts have none. When
no such font is installed, the figure keeps its (few) labels in English and
the report around it stays in Korean.
"""

from __future__ import annotations

from pathlib import Path

from .. import messages
from .analytics import ClassStats

# Fonts with Hangul that are common on Linux, macOS and Windows, tried in this order.
HANGUL_FONTS = ("Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Nanum Gothic", "Malgun Gothic",
                "Apple SD Gothic Neo", "AppleGothic", "UnDotum", "Baekmuk Gulim")
WIDTH, HEIGHT, DPI = 6.4, 3.6, 100   # inches, inches, dots per inch: a 640 x 360 image


def available() -> bool:
    """Whether matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _hangul_font() -> str | None:
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in HANGUL_FONTS if name in installed), None)


def bins(max_score: float) -> list[float]:
    """Bin edges: one bin per point for whole-point totals up to 50, else 20 equal bins."""
    if max_score <= 0:
        return [-0.5, 0.5]
    if max_score == int(max_score) and max_score <= 50:
        return [k - 0.5 for k in range(int(max_score) + 2)]
    step = max_score / 20
    return [k * step for k in range(21)]


def labels(stats: ClassStats, lang: str | None = None) -> tuple[str, str, str | None]:
    """The axis labels and the font to draw them in (None: matplotlib's own), falling back to English."""
    lang = messages.language(lang)
    font = _hangul_font() if lang == "ko" else None
    if lang == "ko" and font is None:
        lang = "en"
    return (messages.text("report.instructor.histogram_x", lang, max_score=f"{stats.max_score:g}"),
            messages.text("report.instructor.histogram_y", lang), font)


def draw(stats: ClassStats, path: Path, lang: str | None = None) -> Path:
    """Write the histogram of `stats.scores` to `path` (PNG, WIDTH x HEIGHT inches at DPI)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    xlabel, ylabel, font = labels(stats, lang)
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.hist(list(stats.scores.values()), bins=bins(stats.max_score), color="#4c72b0", edgecolor="white")
    text = {"family": font} if font else {}
    axes.set_title(stats.assignment, **text)
    axes.set_xlabel(xlabel, **text)
    axes.set_ylabel(ylabel, **text)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_xlim(min(bins(stats.max_score)[0], -0.5), bins(stats.max_score)[-1] + 0.5)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # No "Software" entry: the bytes then depend on the scores, not on the matplotlib version string.
    figure.savefig(path, format="png", metadata={"Software": None})
    return path
