"""What `hpo-reconciler run` prints: one line per resource acted on, then the summary line.

Contract:
- `Reporter(format="text"|"json", stdout=..., stderr=..., verbose=...)`. Results go to stdout,
  diagnostics (errors) to stderr. With "json" every line on either stream is one JSON object.
- `resource(result)` prints a line for every resource whose outcome is not `unchanged` (with
  `verbose`, e.g. `--dry-run`, for every resource): namespace/name, job, action, outcome, why.
- `skipped(busy)` prints the "skipped" line when another run holds the lease.
- `configure_logging(format, stderr=...)` routes the modules' warnings to stderr in that format.
- `summary(report)` prints the last line: resources by outcome, API calls by service and verb,
  duration; for a pass stopped early, why and how many resources finished in flight, were abandoned
  or not started. Thread-safe (one lock around each write).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, Any, Literal, TextIO

if TYPE_CHECKING:
    from reconciler.core.outcomes import PassReport, Result
    from reconciler.gateways.lease import Busy


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"event": "log", "level": record.levelname.lower(), "message": record.getMessage()})


def configure_logging(format: Literal["text", "json"], *, stderr: TextIO) -> None:
    """Diagnostics (warnings from the reconciler's modules) to stderr, in the run's format."""
    handler = logging.StreamHandler(stderr)
    if format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("reconciler")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING)
    logger.propagate = False


class Reporter:
    def __init__(
        self, *, format: Literal["text", "json"], stdout: TextIO, stderr: TextIO, verbose: bool = False
    ) -> None:
        self.format = format
        self._stdout = stdout
        self._stderr = stderr
        self._verbose = verbose
        self._lock = threading.Lock()

    def emit(self, text: str, record: dict[str, Any]) -> None:
        """One line on stdout: `text`, or `record` as JSON with --log-format json (for callers around
        the pass, such as `run --wait`, so every line follows one format and one lock)."""
        self._emit(self._stdout, text, record)

    def _emit(self, stream: TextIO, text: str, record: dict[str, Any]) -> None:
        line = json.dumps(record, sort_keys=False, default=str) if self.format == "json" else text
        with self._lock:
            stream.write(line + "\n")
            stream.flush()

    def resource(self, result: Result) -> None:
        if result.outcome.value == "unchanged" and not self._verbose:
            return
        where = f"{result.namespace}/{result.name}"
        text = f"{where} job={result.job or '-'} action={result.action or '-'} outcome={result.outcome.value}"
        if result.message and result.why and result.message.startswith(result.why):
            text += f": {result.message}"  # the message already opens with the why: say it once
        else:
            if result.why:
                text += f": {result.why}"
            if result.message:
                text += f" ({result.message})"
        record = {
            "event": "resource",
            "namespace": result.namespace,
            "name": result.name,
            "job": result.job,
            "action": result.action,
            "outcome": result.outcome.value,
            "why": result.why,
            "message": result.message,
            "stalled": result.stalled_reason,
        }
        stream = self._stderr if result.outcome.value == "failed" else self._stdout
        self._emit(stream, text, record)

    def skipped(self, busy: Busy) -> None:
        self._emit(
            self._stdout,
            f"skipped: another run holds the lease ({busy.describe()}); this run did nothing",
            {"event": "skipped", "holder": busy.holder, "until": busy.until},
        )

    def error(self, message: str) -> None:
        self._emit(self._stderr, f"error: {message}", {"event": "error", "message": message})

    def summary(self, report: PassReport) -> None:
        outcomes = dict(sorted(report.outcomes.items()))
        resources = report.resources
        outcome_text = " ".join(f"{k}={v}" for k, v in outcomes.items()) or "none"
        call_parts = []
        for service, verbs in report.calls.items():
            total = sum(verbs.values())
            detail = ", ".join(f"{verb}={count}" for verb, count in verbs.items())
            call_parts.append(f"{service} {total} ({detail})")
        calls_text = "; ".join(call_parts) or "none"
        stalled = report.stalled
        text = (
            f"summary: {resources} resource{'' if resources == 1 else 's'} [{outcome_text}] "
            f"stalled={stalled} | API calls: {calls_text} | {report.duration_seconds:.2f}s "
            f"(CPU {report.cpu_seconds:.2f}s)"
        )
        if report.skipped_by:
            text += f" | skipped: lease held by {report.skipped_by}"
        if report.stopped:
            text += (
                f" | stopped early: {report.stopped}; {report.abandoned} abandoned in flight, "
                f"{report.not_started} queued not started, the rest of the list not read"
            )
        if report.error or report.stopped:
            text += " | pass incomplete"
        record = {
            "event": "summary",
            "resources": resources,
            "outcomes": outcomes,
            "stalled": stalled,
            "calls": report.calls,
            "duration_seconds": round(report.duration_seconds, 3),
            "cpu_seconds": round(report.cpu_seconds, 3),
            "complete": report.error is None and report.stopped is None,
            "skipped": report.skipped_by is not None,
        }
        if report.stopped:
            record["stopped"] = {
                "reason": report.stopped,
                "signal": report.stopped_by_signal,
                "abandoned": report.abandoned,
                "not_started": report.not_started,
            }
        self._emit(self._stdout, text, record)
