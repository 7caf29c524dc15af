"""Handlers of the CloudWatch Logs operations (DescribeLogStreams, GetLogEvents) for training job logs.

Contract: only the log group `/aws/sagemaker/TrainingJobs` exists; it has one stream per training
job that has started (reached Downloading). Members are camelCase, timestamps epoch milliseconds,
as in the Logs API. Errors: ResourceNotFoundException for an unknown group or stream,
InvalidParameterException for orderBy LastEventTime with a prefix, as CloudWatch Logs answers.
GetLogEvents tokens are `f/<index>` and `b/<index>`; reading forward past the end returns the
same forward token, which is how clients know they have caught up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from reconciler.sandbox.sagemaker import errors
from reconciler.sandbox.sagemaker.arns import ACCOUNT
from reconciler.sandbox.sagemaker.model import TrainingRun, TuningJob
from reconciler.sandbox.sagemaker.training_logs import LOG_GROUP, events, log_stream_name

if TYPE_CHECKING:
    from reconciler.sandbox.sagemaker.state import SimulatorState

Params = Mapping[str, Any]


def _check_group(params: Params) -> None:
    group = (
        params.get("logGroupName") or str(params.get("logGroupIdentifier", "")).rpartition(":log-group:")[2]
    )
    if group != LOG_GROUP:
        raise errors.ApiError("ResourceNotFoundException", "The specified log group does not exist.")


def _candidate_runs(sim: SimulatorState, prefix: str, now: float) -> list[tuple[TuningJob, TrainingRun]]:
    job_name = prefix.partition("/")[0]
    if "/" in prefix:
        found = sim.store.find_run(job_name, now=now)
        return [found] if found else []
    return [(j, r) for j, r in sim.store.all_runs(now=now) if r.name.startswith(prefix)]


def describe_log_streams(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    _check_group(params)
    now = sim.now()
    prefix = params.get("logStreamNamePrefix", "")
    order_by = params.get("orderBy", "LogStreamName")
    if order_by == "LastEventTime" and prefix:
        raise errors.ApiError(
            "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix."
        )
    streams = []
    for job, run in _candidate_runs(sim, prefix, now):
        name = log_stream_name(run)
        written = events(job, run, now)
        if not name.startswith(prefix) or not written:
            continue
        streams.append(
            {
                "logStreamName": name,
                "creationTime": written[0][0],
                "firstEventTimestamp": written[0][0],
                "lastEventTimestamp": written[-1][0],
                "lastIngestionTime": written[-1][0],
                "arn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{LOG_GROUP}:log-stream:{name}",
                "storedBytes": 0,
            }
        )
    key: Callable[[dict[str, Any]], Any] = (
        (lambda s: s["lastEventTimestamp"]) if order_by == "LastEventTime" else (lambda s: s["logStreamName"])
    )
    streams.sort(key=key, reverse=bool(params.get("descending", False)))
    start = int(params.get("nextToken") or 0) if str(params.get("nextToken") or "0").isdigit() else 0
    limit = int(params.get("limit", 50))
    out: dict[str, Any] = {"logStreams": streams[start : start + limit]}
    if start + limit < len(streams):
        out["nextToken"] = str(start + limit)
    return out


def get_log_events(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    _check_group(params)
    now = sim.now()
    stream = params.get("logStreamName", "")
    found = sim.store.find_run(stream.partition("/")[0], now=now)
    if found is None or log_stream_name(found[1]) != stream:
        raise errors.ApiError("ResourceNotFoundException", "The specified log stream does not exist.")
    written = [
        e
        for e in events(*found, now)
        if (params.get("startTime") is None or e[0] >= params["startTime"])
        and (params.get("endTime") is None or e[0] < params["endTime"])
    ]
    limit = int(params.get("limit", 10000))
    token = params.get("nextToken")
    if token:
        direction, _, number = str(token).partition("/")
        if direction not in ("f", "b") or not number.isdigit():
            raise errors.ApiError("InvalidParameterException", "The specified nextToken is invalid.")
        index = int(number)
        if direction == "f":
            start, end = index, min(len(written), index + limit)
        else:
            start, end = max(0, index - limit), index
    elif params.get("startFromHead"):
        start, end = 0, min(len(written), limit)
    else:
        start, end = max(0, len(written) - limit), len(written)
    return {
        "events": [{"timestamp": ts, "message": m, "ingestionTime": ts} for ts, m in written[start:end]],
        "nextForwardToken": f"f/{end}",
        "nextBackwardToken": f"b/{start}",
    }


HANDLERS: dict[str, Callable[[SimulatorState, Params, str], dict[str, Any]]] = {
    "DescribeLogStreams": describe_log_streams,
    "GetLogEvents": get_log_events,
}
