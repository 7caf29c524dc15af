"""What the HTML and image forms of the report share: colours, series and axis conventions.

Contract (pure): one colour per training job definition (`definition_colours`), grey for the
training jobs of warm-start parents (prior), a colour per training job status; `series(report)`
splits the scored training jobs into legend series (each definition, each parent) with their
colour; `categories` orders a categorical hyperparameter's values (declared order, then any
value only seen in training jobs); `jitter` spreads strip-plot points deterministically;
`range_title` names a hyperparameter with its kind and scale.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.tools.report_model import Range, Report, Run

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
PRIOR_COLOUR = "#9a9a9a"
STATUS_COLOURS = {
    "Completed": "#2ca02c",
    "InProgress": "#1f77b4",
    "Failed": "#d62728",
    "Stopping": "#ff7f0e",
    "Stopped": "#ff7f0e",
}


def definition_colours(report: Report) -> dict[str, str]:
    """One colour per definition (single-definition jobs: one colour for "")."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(report.definitions)}


def series_label(run: Run) -> str:
    if run.prior:
        return f"prior ({run.tuning_job})"
    return run.definition or "this tuning job"


def series(report: Report) -> list[tuple[str, str, list[Run]]]:
    """(label, colour, scored runs) per legend series, in first-appearance order."""
    colours = definition_colours(report)
    out: dict[str, tuple[str, list[Run]]] = {}
    for run in report.scored:
        colour = PRIOR_COLOUR if run.prior else colours.get(run.definition, PALETTE[0])
        out.setdefault(series_label(run), (colour, []))[1].append(run)
    return [(label, colour, runs) for label, (colour, runs) in out.items()]


def categories(hp: Range, runs: Sequence[Run]) -> list[str]:
    """A categorical hyperparameter's values: the declared ones in order, then any others seen."""
    seen = [r.hyperparameters[hp.name] for r in runs if hp.name in r.hyperparameters]
    return list(dict.fromkeys([*hp.values, *seen]))


def jitter(index: int) -> float:
    """A deterministic offset in [-0.3, 0.3] for strip plots (the same data draws the same page)."""
    return ((index * 0.618034) % 1.0 - 0.5) * 0.6


def range_title(hp: Range) -> str:
    if hp.kind == "categorical":
        return f"{hp.name} (categorical)"
    return f"{hp.name} ({hp.kind}{', log scale' if hp.log_scale else ''})"
