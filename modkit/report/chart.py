"""Chart geometry for the HTML report: plain numbers the template turns into inline SVG.

Two charts per thread: toxicity of every reply in page order, and toxicity by depth
(mean and max). Only coordinates and labels are computed here; the template writes
the SVG with autoescaping on, so author names in tooltips are escaped like all text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modkit.report.build import ThreadReport
from modkit.report.present import number, who

#: Drawing size in SVG user units; the SVG scales to its container's width.
WIDTH, HEIGHT = 560, 200
#: Room for axis labels: left, right, top, bottom.
PAD_L, PAD_R, PAD_T, PAD_B = 36, 12, 12, 28
#: Above this many replies the order chart drops dot outlines so it stays legible.
DENSE = 150


@dataclass(slots=True)
class Dot:
    x: float
    y: float
    hue: int
    label: str
    anchor: str | None = None


@dataclass(slots=True)
class Chart:
    """One chart: dots, polylines (``(points, css class)``), ticks and guide lines."""

    title: str
    x_label: str
    dots: list[Dot] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    threshold: tuple[float, str] | None = None
    marker: tuple[float, str] | None = None
    dense: bool = False
    width: int = WIDTH
    height: int = HEIGHT
    left: int = PAD_L
    right: int = WIDTH - PAD_R
    top: int = PAD_T
    bottom: int = HEIGHT - PAD_B


def hue(score: float | None) -> int:
    """Colour hue for a score: 150 (green) at 0 down to 0 (red) at 1; -1 when unscored.

    Examples
    --------
    >>> hue(0.0), hue(0.5), hue(1.0), hue(None)
    (150, 75, 0, -1)
    """
    return -1 if score is None else round(150 * (1 - min(max(score, 0.0), 1.0)))


def _y(score: float) -> float:
    return round(PAD_T + (1 - score) * (HEIGHT - PAD_T - PAD_B), 1)


def _x(k: float, n: float) -> float:
    span = WIDTH - PAD_L - PAD_R
    return round(PAD_L + (span / 2 if n <= 0 else k / n * span), 1)


def _y_ticks() -> list[tuple[float, str]]:
    return [(_y(s), f"{s:.1f}") for s in (0.0, 0.5, 1.0)]


def _x_ticks(n: int, label) -> list[tuple[float, str]]:
    """About five evenly spaced ticks over ``0..n-1``."""
    if n <= 1:
        return [(_x(0, 0), label(0))]
    step = max(1, round((n - 1) / 5))
    ks = list(range(0, n, step))
    return [(_x(k, n - 1), label(k)) for k in ks]


def order_chart(report: ThreadReport) -> Chart:
    """Toxicity of each reply in page order (unscored replies are left out).

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report import thread_reports
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "text": ["x", ""], "toxicity": [0.5, 0.9]})
    >>> [(d.x, d.y, d.label) for d in order_chart(thread_reports(df)[0]).dots]
    [(36.0, 92.0, '#1 anonymous: 0.50')]
    """
    reps = report.view.replies
    n = len(reps)
    chart = Chart("Toxicity in page order", "reply", y_ticks=_y_ticks(), dense=n > DENSE,
                  x_ticks=_x_ticks(n, lambda k: f"#{k + 1}"))
    for r in reps:
        if r.tox is None:
            continue
        chart.dots.append(Dot(_x(r.index, n - 1), _y(r.tox), hue(r.tox),
                              f"{number(r)} {who(r)}: {r.tox:.2f}", f"r{r.index + 1}"))
    chart.threshold = (_y(report.config.toxic_threshold), "flag threshold")
    ff = report.metrics.first_flagged
    if ff is not None:
        chart.marker = (_x(ff.replies_before, n - 1), "first flagged")
    return chart


def depth_chart(report: ThreadReport) -> Chart:
    """Mean and max toxicity at each depth (depths without scored replies are skipped).

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report import thread_reports
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "parent_id": [None, "a"], "text": ["x", "y"],
    ...                    "toxicity": [0.0, 1.0]})
    >>> depth_chart(thread_reports(df)[0]).lines
    [('36.0,172.0 548.0,12.0', 'max'), ('36.0,172.0 548.0,12.0', 'mean')]
    """
    stats = report.metrics.depth
    deepest = stats[-1].depth if stats else 0
    chart = Chart("Toxicity by depth", "depth", y_ticks=_y_ticks(),
                  x_ticks=_x_ticks(deepest + 1, str))
    mean_pts, max_pts = [], []
    for d in stats:
        if d.mean is None:
            continue
        x = _x(d.depth, deepest)
        mean_pts.append(f"{x},{_y(d.mean)}")
        max_pts.append(f"{x},{_y(d.max)}")
        chart.dots.append(Dot(x, _y(d.max), hue(d.max), f"depth {d.depth}: max {d.max:.2f} "
                              f"({d.n_toxic} toxic of {d.n_replies})"))
        chart.dots.append(Dot(x, _y(d.mean), hue(d.mean), f"depth {d.depth}: mean {d.mean:.2f}"))
    chart.lines = [(" ".join(max_pts), "max"), (" ".join(mean_pts), "mean")]
    chart.threshold = (_y(report.config.toxic_threshold), "flag threshold")
    return chart
