"""The HTML form of `hpo-reconciler report`: one self-contained page that works offline.

Contract: `render_html(report)` returns the page (needs plotly, the `report` extra). plotly.js is
embedded inline (no CDN, no network: the page works from a file:// URL on a machine without
internet). Panels, each a plotly figure:
- objective of every training job over time (when it ended), one colour per definition, the
  warm-start parents' training jobs in grey as "prior", early-stopped ones as crosses, and the
  best-so-far line (over prior and current training jobs: warm start continues the parents' search);
- objective against each tuned hyperparameter: categorical ones as jittered strips, log-scaled
  ranges (ScalingType Logarithmic) on log axes;
- parallel coordinates of the tuned hyperparameters and the objective, coloured by the objective
  (log-scaled ranges as log10; training jobs of a definition that does not tune a hyperparameter on a
  "not tuned" tick);
- hyperparameter importance (`report_importance`, its method stated under the chart);
- a timeline of the training jobs (creation to end, coloured by status, early-stopped ones hatched);
then a table of every training job, sortable by clicking a column header (a few lines of inline
JavaScript). The page's script records what it drew in the element `#report-state`:
``data-state="drawn"`` and ``data-plots`` (how many figures plotly drew) once every figure is
drawn, with ``data-boxes`` (each figure's page rectangle) and ``data-height``; ``data-errors`` with
any script error. The browser test reads these.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any

from reconciler.tools.report_extra import require
from reconciler.tools.report_importance import METHOD, importance
from reconciler.tools.report_model import Range, Report, Run
from reconciler.tools.report_style import (
    PALETTE,
    PRIOR_COLOUR,
    STATUS_COLOURS,
    categories,
    jitter,
    range_title,
    series,
)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _hover(report: Report, run: Run) -> str:
    parts = [f"<b>{html.escape(run.name)}</b>", f"{html.escape(report.objective_metric)}: {run.objective}"]
    parts.append(f"status: {run.status}" + (" (early-stopped)" if run.early_stopped else ""))
    parts.extend(f"{html.escape(k)} = {html.escape(v)}" for k, v in sorted(run.hyperparameters.items()))
    return "<br>".join(parts)


def _runs_scatter(
    go: Any, report: Report, runs: list[Run], *, x: list[Any], size: int, colour: str, **trace: Any
) -> Any:
    """One marker per training job at (x, objective): early-stopped jobs as x, hover text from _hover."""
    return go.Scatter(
        x=x,
        y=[r.objective for r in runs],
        mode="markers",
        marker={
            "color": colour,
            "size": size,
            "symbol": ["x" if r.early_stopped else "circle" for r in runs],
        },
        text=[_hover(report, r) for r in runs],
        hovertemplate="%{text}<extra></extra>",
        **trace,
    )


def objective_over_time(report: Report) -> Any:
    go = require("plotly.graph_objects")
    fig = go.Figure()
    for label, colour, runs in series(report):
        fig.add_trace(
            _runs_scatter(
                go,
                report,
                runs,
                x=[_iso(r.ended or r.started) for r in runs],
                size=9,
                colour=colour,
                name=label,
            )
        )
    best = report.best_so_far()
    if best:
        fig.add_trace(
            go.Scatter(
                x=[_iso(r.ended or r.started) for r, _ in best],
                y=[value for _, value in best],
                mode="lines",
                line={"shape": "hv", "color": "#222222", "width": 2},
                name="best so far",
            )
        )
    fig.update_layout(
        title=f"{report.objective_metric} of each training job (x: early-stopped)",
        xaxis_title="training job ended",
        yaxis_title=report.objective_metric,
    )
    return fig


def objective_vs_hyperparameters(report: Report) -> Any:
    go = require("plotly.graph_objects")
    subplots = require("plotly.subplots")
    ranges = list(report.ranges)
    columns = min(3, max(1, len(ranges)))
    rows = max(1, -(-len(ranges) // columns))
    fig = subplots.make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[range_title(r) for r in ranges] or ["no tuned hyperparameters"],
    )
    shown: set[str] = set()
    for i, hp in enumerate(ranges):
        row, col = i // columns + 1, i % columns + 1
        for label, colour, runs in series(report):
            runs = [r for r in runs if hp.name in r.hyperparameters]
            if hp.kind == "categorical":
                order = {v: n for n, v in enumerate(categories(hp, runs))}
                xs: list[Any] = [order[r.hyperparameters[hp.name]] + jitter(j) for j, r in enumerate(runs)]
            else:
                runs = [r for r in runs if r.numeric(hp.name) is not None]
                xs = [r.numeric(hp.name) for r in runs]
            fig.add_trace(
                _runs_scatter(
                    go,
                    report,
                    runs,
                    x=xs,
                    size=8,
                    name=label,
                    colour=colour,
                    legendgroup=label,
                    showlegend=label not in shown,
                ),
                row=row,
                col=col,
            )
            shown.add(label)
        if hp.kind == "categorical":
            values = categories(hp, [r for r in report.scored if hp.name in r.hyperparameters])
            fig.update_xaxes(
                tickmode="array", tickvals=list(range(len(values))), ticktext=values, row=row, col=col
            )
        elif hp.log_scale:
            fig.update_xaxes(type="log", row=row, col=col)
        fig.update_yaxes(title_text=report.objective_metric if col == 1 else None, row=row, col=col)
    fig.update_layout(title="objective against each tuned hyperparameter", height=320 * rows)
    return fig


NOT_TUNED = "not tuned"


def parallel_coordinates(report: Report) -> Any:
    go = require("plotly.graph_objects")
    runs = list(report.scored)
    dimensions = [_dimension(hp, runs) for hp in report.ranges]
    objectives = [r.objective for r in runs]
    dimensions.append({"label": report.objective_metric, "values": objectives})
    fig = go.Figure(
        go.Parcoords(
            line={
                "color": objectives,
                "colorscale": "Viridis",
                # Best is bright: reverse the scale when lower is better.
                "reversescale": not report.maximize,
                "showscale": True,
                "colorbar": {"title": {"text": report.objective_metric}},
            },
            dimensions=dimensions,
        )
    )
    fig.update_layout(title="parallel coordinates, coloured by the objective (brighter = better)")
    return fig


def _dimension(hp: Range, runs: list[Run]) -> dict[str, Any]:
    """One parcoords axis. Parcoords has no missing values: a training job whose definition does not
    tune `hp` (multi-definition jobs) sits on a "not tuned" tick below the axis' values."""
    missing = any(hp.name not in r.hyperparameters for r in runs)
    if hp.kind == "categorical":
        names = categories(hp, runs) + ([NOT_TUNED] if missing else [])
        index = {v: n for n, v in enumerate(names)}
        values = [index[r.hyperparameters.get(hp.name, NOT_TUNED)] for r in runs]
        return {"label": hp.name, "values": values, "tickvals": list(range(len(names))), "ticktext": names}
    raw = [r.numeric(hp.name) for r in runs]
    scaled = [_log10(v) if hp.log_scale else v for v in raw]
    present = [v for v in scaled if v is not None]
    label = hp.name + (" (log10)" if hp.log_scale else "")
    if not missing or not present:
        return {"label": label, "values": scaled}
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    below = low - 0.2 * span
    ticks = [low + span * i / 4 for i in range(5)]
    return {
        "label": label,
        "values": [below if v is None else v for v in scaled],
        "range": [below, high],
        "tickvals": [below, *ticks],
        "ticktext": [NOT_TUNED, *(f"{t:.3g}" for t in ticks)],
    }


def _log10(value: float | None) -> float | None:
    return math.log10(value) if value is not None and value > 0 else None


def importance_chart(report: Report) -> Any:
    go = require("plotly.graph_objects")
    scores = [i for i in importance(report) if i.score is not None][::-1]
    fig = go.Figure(
        go.Bar(
            x=[i.score for i in scores],
            y=[i.name for i in scores],
            orientation="h",
            marker={"color": PALETTE[0]},
            text=[f"{i.score:.2f} (n={i.runs})" for i in scores],
            textposition="auto",
        )
    )
    fig.update_layout(
        title="hyperparameter importance",
        xaxis={"range": [0, 1], "title": "rank association with the objective (0 = none, 1 = perfect)"},
        height=max(260, 60 + 40 * len(scores)),
    )
    return fig


def timeline(report: Report) -> Any:
    go = require("plotly.graph_objects")
    fig = go.Figure()
    runs = [r for r in report.runs if r.created or r.started]
    now = max((t for r in runs for t in (r.ended, r.started, r.created) if t is not None), default=None)
    for status in sorted({r.status for r in runs}):
        for early in (False, True):
            chosen = [r for r in runs if r.status == status and r.early_stopped == early]
            if not chosen:
                continue
            starts = [r.created or r.started for r in chosen]
            ends = [r.ended or now for r in chosen]
            fig.add_trace(
                go.Bar(
                    base=[_iso(s) for s in starts],
                    x=[
                        ((e - s).total_seconds() * 1000 if e and s else 0)
                        for s, e in zip(starts, ends, strict=True)
                    ],
                    y=[("prior: " if r.prior else "") + r.name for r in chosen],
                    orientation="h",
                    name=f"{status}{' (early-stopped)' if early else ''}",
                    marker={
                        "color": STATUS_COLOURS.get(status, PRIOR_COLOUR),
                        "pattern": {"shape": "/" if early else ""},
                        "opacity": 0.5
                        if any(r.prior for r in chosen) and all(r.prior for r in chosen)
                        else 1,
                    },
                    hovertext=[_hover(report, r) for r in chosen],
                    hovertemplate="%{hovertext}<extra></extra>",
                )
            )
    fig.update_layout(
        title="timeline of the training jobs (created to ended)",
        barmode="overlay",
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed", "type": "category"},
        height=max(300, 120 + 22 * len(runs)),
    )
    return fig


def figures(report: Report) -> list[tuple[str, Any]]:
    """(id, figure) of every panel, in page order."""
    return [
        ("objective-over-time", objective_over_time(report)),
        ("objective-vs-hyperparameters", objective_vs_hyperparameters(report)),
        ("parallel-coordinates", parallel_coordinates(report)),
        ("importance", importance_chart(report)),
        ("timeline", timeline(report)),
    ]


def _table(report: Report) -> str:
    names = [r.name for r in report.ranges]
    header = [
        "training job",
        "tuning job",
        "definition",
        "status",
        report.objective_metric,
        "created",
        "started",
        "ended",
        *names,
        "failure reason",
    ]
    head = "".join(f'<th data-col="{i}">{html.escape(h)}</th>' for i, h in enumerate(header))
    rows = []
    best = report.best.name if report.best else None
    for run in report.runs:
        cells = [
            run.name + (" (best)" if run.name == best else ""),
            run.tuning_job + (" (prior)" if run.prior else ""),
            run.definition,
            run.status + (" (early-stopped)" if run.early_stopped else ""),
            "" if run.objective is None else f"{run.objective:.6g}",
            _iso(run.created) or "",
            _iso(run.started) or "",
            _iso(run.ended) or "",
            *(run.hyperparameters.get(n, "") for n in names),
            run.failure_reason or "",
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return f'<table id="training-jobs"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


# Sorts the table by the clicked column (numbers numerically, the rest as text; a second click
# reverses), then draws every figure and records the outcome in #report-state.
_SCRIPT = """
(function () {
  var state = document.getElementById('report-state');
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(String(e.message)); state.setAttribute('data-errors', errors.join(' | '));
  });
  var table = document.getElementById('training-jobs');
  table.querySelectorAll('th').forEach(function (th) {
    th.addEventListener('click', function () {
      var col = Number(th.getAttribute('data-col'));
      var asc = th.getAttribute('data-order') !== 'asc';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-order'); });
      th.setAttribute('data-order', asc ? 'asc' : 'desc');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent, y = b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny) && String(nx) !== 'NaN') ? nx - ny : x.localeCompare(y);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var specs = document.querySelectorAll('script[type="application/json"][data-figure]');
  var drawn = [];
  specs.forEach(function (spec) {
    var fig = JSON.parse(spec.textContent);
    var div = document.getElementById(spec.getAttribute('data-figure'));
    drawn.push(Plotly.newPlot(div, fig.data, fig.layout, {responsive: true, displaylogo: false}));
  });
  Promise.all(drawn).then(function (divs) {
    // Where each figure landed on the page, for tests that look at a screenshot.
    var boxes = divs.map(function (div) {
      var r = div.getBoundingClientRect();
      return {id: div.id, x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height};
    });
    state.setAttribute('data-boxes', JSON.stringify(boxes));
    state.setAttribute('data-height', String(document.documentElement.scrollHeight));
    state.setAttribute('data-plots', String(divs.length));
    state.setAttribute('data-state', 'drawn');
    state.textContent = 'drawn ' + divs.length + ' plots';
  }, function (err) {
    errors.push(String(err)); state.setAttribute('data-errors', errors.join(' | '));
  });
})();
"""

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
.figure { margin-bottom: 1.5em; border: 1px solid #eee; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; white-space: nowrap; }
th { cursor: pointer; background: #f4f4f4; }
th[data-order="asc"]::after { content: " \\25B2"; }
th[data-order="desc"]::after { content: " \\25BC"; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; }
#report-state { color: #888; font-size: 0.8em; }
"""


def _summary(report: Report) -> str:
    best = report.best
    items = [
        (
            "tuning job",
            report.tuning_job + (f" (HyperparameterTuningJob {report.resource})" if report.resource else ""),
        ),
        ("status", report.status + (f": {report.failure_reason}" if report.failure_reason else "")),
        ("strategy", f"{report.strategy}; early stopping: {report.early_stopping}"),
        ("objective", f"{report.objective_type} {report.objective_metric}"),
        ("training jobs", ", ".join(f"{k} {v}" for k, v in report.counters.items())),
        ("best", f"{best.name}: {best.objective}" if best else "none yet"),
    ]
    if len(report.definitions) > 1:
        items.append(("definitions", ", ".join(report.definitions)))
    if report.parents:
        items.append(
            (
                "warm start",
                f"{report.warm_start_type} from {', '.join(report.parents)} "
                f"({len(report.prior)} prior training jobs)",
            )
        )
    for group in report.failures:
        items.append(("failed", f"{group.count} x {group.reason}"))
    return "<dl>" + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items) + "</dl>"


def render_html(report: Report) -> str:
    """The whole page (see module doc)."""
    offline = require("plotly.offline")
    pio = require("plotly.io")
    blocks = []
    for div_id, fig in figures(report):
        spec = pio.to_json(fig, validate=True).replace("</", "<\\/")
        blocks.append(
            f'<div class="figure" id="{div_id}"></div>'
            f'<script type="application/json" data-figure="{div_id}">{spec}</script>'
        )
    title = f"Tuning job {report.tuning_job}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f"<script>{offline.get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1>{_summary(report)}"
        f'<p id="report-state" data-state="loading">drawing...</p>'
        + "".join(blocks)
        + f"<p>Importance: {html.escape(METHOD)}.</p>"
        + f"<h2>Training jobs ({len(report.runs)}; click a column to sort)</h2>{_table(report)}"
        + f"<script>{_SCRIPT}</script></body></html>\n"
    )
