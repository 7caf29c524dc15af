"""The image form of `hpo-reconciler report`: the main panels as one PNG or SVG, without a browser.

Contract: `render_image(report, path, fmt)` writes one figure (needs matplotlib, the `report` extra;
drawn with the non-interactive Agg backend, so no display and no browser are needed) with: the
objective over time with the best-so-far line, objective against up to `MAX_HYPERPARAMETERS` tuned
hyperparameters (categorical ones as jittered strips, log-scaled ranges on log axes), hyperparameter
importance, and the timeline of training jobs. Colours follow the HTML form: one per definition,
grey for warm-start parents' (prior) training jobs, crosses for early-stopped ones. `fmt` is "png"
or "svg". SVG output carries no creation date, so the same report gives the same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.tools import report_style as style
from reconciler.tools.report_extra import require
from reconciler.tools.report_importance import importance
from reconciler.tools.report_model import Report

MAX_HYPERPARAMETERS = 4
FORMATS = ("png", "svg")


def render_image(report: Report, path: Path, fmt: str) -> None:
    """Write the image (see module doc)."""
    if fmt not in FORMATS:
        raise ValueError(f"unsupported image format {fmt!r}: use one of {', '.join(FORMATS)}")
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")  # no display, no browser
    pyplot = require("matplotlib.pyplot")
    ranges = list(report.ranges)[:MAX_HYPERPARAMETERS]
    columns = max(2, len(ranges))
    fig = pyplot.figure(figsize=(4.2 * columns, 12), layout="constrained")
    grid = fig.add_gridspec(3, columns)
    try:
        _objective_over_time(report, fig.add_subplot(grid[0, :]))
        for i, hp in enumerate(ranges):
            _objective_vs(report, hp, fig.add_subplot(grid[1, i]))
        half = max(1, columns // 2)
        _importance(report, fig.add_subplot(grid[2, :half]))
        _timeline(report, fig.add_subplot(grid[2, half:]))
        best = report.best
        fig.suptitle(
            f"{report.tuning_job}: {report.status}, {report.objective_type} {report.objective_metric}"
            + (f"\nbest {best.objective:.6g}: {best.name}" if best and best.objective is not None else ""),
            fontsize=11,
        )
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
        fig.savefig(path, format=fmt, dpi=110, metadata=metadata)
    finally:
        pyplot.close(fig)


def _objective_over_time(report: Report, ax: Any) -> None:
    for label, colour, runs in style.series(report):
        for early in (False, True):
            chosen = [r for r in runs if r.early_stopped == early and (r.ended or r.started)]
            if chosen:
                ax.scatter(
                    [r.ended or r.started for r in chosen],
                    [r.objective for r in chosen],
                    color=colour,
                    marker="x" if early else "o",
                    label=label + (" (early-stopped)" if early else ""),
                    zorder=3,
                )
    best = [(r, v) for r, v in report.best_so_far() if r.ended or r.started]
    if best:
        ax.step(
            [r.ended or r.started for r, _ in best],
            [v for _, v in best],
            where="post",
            color="#222222",
            label="best so far",
            zorder=2,
        )
    ax.set_title("objective of each training job over time")
    ax.set_xlabel("training job ended (UTC)")
    _dates(ax)
    ax.set_ylabel(report.objective_metric)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def _objective_vs(report: Report, hp: Any, ax: Any) -> None:
    for _label, colour, runs in style.series(report):
        runs = [r for r in runs if hp.name in r.hyperparameters]
        if hp.kind == "categorical":
            order = {v: n for n, v in enumerate(style.categories(hp, runs))}
            xs: list[float | None] = [
                order[r.hyperparameters[hp.name]] + style.jitter(j) for j, r in enumerate(runs)
            ]
        else:
            runs = [r for r in runs if r.numeric(hp.name) is not None]
            xs = [r.numeric(hp.name) for r in runs]
        for early in (False, True):
            pick = [i for i, r in enumerate(runs) if r.early_stopped == early]
            if pick:
                ax.scatter(
                    [xs[i] for i in pick],
                    [runs[i].objective for i in pick],
                    color=colour,
                    marker="x" if early else "o",
                    s=22,
                )
    if hp.kind == "categorical":
        values = style.categories(hp, [r for r in report.scored if hp.name in r.hyperparameters])
        ax.set_xticks(range(len(values)), values, rotation=30, fontsize=8)
    elif hp.log_scale:
        ax.set_xscale("log")
    ax.set_title(style.range_title(hp), fontsize=10)
    ax.set_ylabel(report.objective_metric, fontsize=8)
    ax.grid(alpha=0.3)


def _importance(report: Report, ax: Any) -> None:
    scores = [i for i in importance(report) if i.score is not None][::-1]
    ax.barh([i.name for i in scores], [i.score for i in scores], color="#1f77b4")
    ax.set_xlim(0, 1)
    ax.set_title("importance (|rank correlation|)", fontsize=10)
    if not scores:
        ax.text(0.5, 0.5, "too few scored training jobs", ha="center", va="center", transform=ax.transAxes)


def _timeline(report: Report, ax: Any) -> None:
    runs = [r for r in report.runs if r.created or r.started][-40:]
    latest = max((t for r in runs for t in (r.ended, r.started, r.created) if t), default=None)
    for y, run in enumerate(runs):
        start = run.created or run.started
        end = run.ended or latest
        if start is None or end is None:
            continue
        colour = _run_colour(run.status, prior=run.prior)
        width = max((end - start).total_seconds(), 1.0) / 86400  # matplotlib dates are days
        ax.barh(
            y,
            width,
            left=start,
            color=colour,
            hatch="//" if run.early_stopped else None,
            edgecolor="#333333" if run.early_stopped else colour,
            height=0.7,
        )
    ax.set_yticks(range(len(runs)), [("prior " if r.prior else "") + r.name[-12:] for r in runs], fontsize=6)
    ax.invert_yaxis()
    ax.xaxis_date()
    _dates(ax)
    ax.set_title("timeline (hatched: early-stopped)", fontsize=10)
    shown = sorted({"prior" if r.prior else r.status for r in runs})
    patches = require("matplotlib.patches")
    ax.legend(
        handles=[
            patches.Patch(color=_run_colour(s, prior=s == "prior"), label=s)
            for s in shown
        ],
        fontsize=7,
        loc="lower right",
    )


def _dates(ax: Any) -> None:
    """Few, short date ticks (the default locator crowds a short tuning run's axis)."""
    dates = require("matplotlib.dates")
    locator = dates.AutoDateLocator(minticks=3, maxticks=5)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    ax.tick_params(axis="x", labelsize=7)


def _run_colour(status: str, *, prior: bool) -> str:
    """A training job's colour on the timeline: prior jobs grey, the others by their status."""
    return style.PRIOR_COLOUR if prior else style.STATUS_COLOURS.get(status, style.PRIOR_COLOUR)
