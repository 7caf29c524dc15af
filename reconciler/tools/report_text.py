"""The terminal form of `hpo-reconciler report`: a plain-text summary of a `Report`.

Contract (pure): `render_text(report, top=5)` returns lines: the tuning job and its status,
strategy and objective, the training-job counters, the best training job with its objective and
tuned hyperparameters, the `top` best training jobs, hyperparameter importance, the failure reasons
grouped (with up to three training job names each) and, for warm starts, the parents' training jobs
counted as prior. No colour codes: the output is meant for logs and pipes as much as terminals.
"""

from __future__ import annotations

import datetime as dt

from reconciler.tools.report_importance import importance
from reconciler.tools.report_model import Report, Run

_COUNTERS = ("Completed", "InProgress", "RetryableError", "NonRetryableError", "Stopped")


def _time(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def _objective(run: Run) -> str:
    return f"{run.objective:.6g}" if run.objective is not None else "-"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    return [
        "  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def render_text(report: Report, *, top: int = 5) -> str:
    """The summary (see module doc), ending with a newline."""
    lines: list[str] = []
    title = f"Tuning job {report.tuning_job}"
    if report.resource:
        title += f" (HyperparameterTuningJob {report.resource})"
    lines.append(title)
    lines.append(
        f"  status:     {report.status}" + (f" -- {report.failure_reason}" if report.failure_reason else "")
    )
    lines.append(
        f"  strategy:   {report.strategy}; objective: {report.objective_type} {report.objective_metric}; "
        f"early stopping: {report.early_stopping}"
    )
    lines.append(f"  created:    {_time(report.created)}; ended: {_time(report.ended)}")
    if len(report.definitions) > 1:
        lines.append(f"  definitions: {', '.join(report.definitions)}")
    counts = ", ".join(f"{name} {report.counters.get(name, 0)}" for name in _COUNTERS)
    limit = f" of at most {report.max_training_jobs}" if report.max_training_jobs else ""
    lines.append(f"  training jobs: {len(report.current)}{limit} ({counts})")
    early = sum(1 for r in report.current if r.early_stopped)
    if early:
        lines.append(f"  early-stopped: {early}")
    if report.parents:
        lines.append(
            f"  warm start ({report.warm_start_type}) from {', '.join(report.parents)}: "
            f"{len(report.prior)} prior training jobs"
        )
    lines.append("")
    best = report.best
    if best is None:
        lines.append("Best training job: none yet (no training job has reported the objective metric)")
    else:
        lines.append(f"Best training job: {best.name}  {report.objective_metric} = {_objective(best)}")
        if best.definition:
            lines.append(f"  definition: {best.definition}")
        for name, value in sorted(best.hyperparameters.items()):
            lines.append(f"  {name} = {value}")
    ranked = report.top(top)
    if ranked:
        lines.append("")
        order = "highest" if report.maximize else "lowest"
        lines.append(f"Top {len(ranked)} ({order} {report.objective_metric} first):")
        names = [r.name for r in report.ranges]
        header = ["#", "TRAINING JOB", "OBJECTIVE", "STATUS", *names]
        rows = [
            [
                str(i),
                r.name,
                _objective(r),
                r.status + (" (early)" if r.early_stopped else ""),
                *(r.hyperparameters.get(n, "-") for n in names),
            ]
            for i, r in enumerate(ranked, 1)
        ]
        lines.extend(_table(header, rows))
    scores = importance(report)
    if scores:
        lines.append("")
        lines.append("Hyperparameter importance (|rank correlation| with the objective):")
        for item in scores:
            value = f"{item.score:.2f}" if item.score is not None else "n/a"
            lines.append(f"  {item.name:<24} {value}  ({item.runs} training jobs)")
    lines.append("")
    if report.failures:
        lines.append("Failure reasons:")
        for group in report.failures:
            shown = ", ".join(group.training_jobs[:3]) + (", ..." if group.count > 3 else "")
            lines.append(f"  {group.count} x {group.reason}  [{shown}]")
    else:
        lines.append("Failure reasons: none")
    return "\n".join(lines) + "\n"
