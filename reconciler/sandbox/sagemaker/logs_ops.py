"""Handlers of the CloudWatch Logs operations (DescribeLogStreams, GetLogEvents, FilterLogEvents).

Contract: only the log group `/aws/sagemaker/TrainingJobs` exists; it has one stream per instance
of every training job that has started (reached Downloading), see `training_logs`. Members are
camelCase, timestamps epoch milliseconds, as in the Logs API. Errors, as CloudWatch Logs answers
them: ResourceNotFoundException for an unknown group or stream; InvalidParameterException for
orderBy LastEventTime with a prefix, for both or neither of logGroupName / logGroupIdentifier,
for both logStreamNames and logStreamNamePrefix (FilterLogEvents), for a token it did not issue.

Paging, as the Logs API reference documents it for GetLogEvents and FilterLogEvents: "A returned
page might only be partially full, or even empty ... Partially full or empty pages don't
necessarily mean that pagination is finished." The simulator makes that happen on purpose, and
deterministically, so that every client is tested against it:
- GetLogEvents: tokens are `f/<index>/<hop>` and `b/<index>`. A forward read with a token whose
  position lies before the end answers an empty page (with a new token for the same position)
  when the position is a multiple of `EMPTY_EVERY` and it was not just answered so, and otherwise
  at most `PARTIAL_PAGE` events. At the end it answers the very token it was sent ("If you have
  reached the end of the stream, it returns the same token you passed in"), which is how clients
  know they have caught up. The first page (no token) is full up to `limit`.
- FilterLogEvents: tokens are `p/<offset>/<hop>`, the same rule; no nextToken once done.
Filter patterns: the unstructured-log term syntax (terms ANDed, `?term` ORed, `-term` excluded,
"quoted phrases", case-sensitive; "Filter pattern syntax for metric filters, subscription filters,
filter log events, and Live Tail"). JSON (`{ ... }`), space-delimited (`[ ... ]`) and regex
(`%...%`) patterns are refused with InvalidParameterException naming the simulator's limit.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from reconciler.sandbox.sagemaker import errors
from reconciler.sandbox.sagemaker.arns import ACCOUNT, partition
from reconciler.sandbox.sagemaker.model import TrainingRun, TuningJob
from reconciler.sandbox.sagemaker.training_logs import LOG_GROUP, events, log_stream_names

if TYPE_CHECKING:
    from reconciler.sandbox.sagemaker.state import SimulatorState

Params = Mapping[str, Any]
EMPTY_EVERY = 3
PARTIAL_PAGE = 7
DEFAULT_EVENTS_LIMIT = 10000


def _invalid(message: str) -> errors.ApiError:
    return errors.ApiError("InvalidParameterException", message)


def _check_group(params: Params) -> None:
    by_name, by_identifier = params.get("logGroupName"), params.get("logGroupIdentifier")
    # "You must include either logGroupIdentifier or logGroupName, but not both." (Logs API reference)
    if (by_name is None) == (by_identifier is None):
        raise _invalid("Exactly one of logGroupName and logGroupIdentifier must be specified.")
    group = by_name if by_name is not None else str(by_identifier).rpartition(":log-group:")[2]
    if group != LOG_GROUP:
        raise errors.ApiError("ResourceNotFoundException", "The specified log group does not exist.")


def _candidate_runs(sim: SimulatorState, prefix: str, now: float) -> list[tuple[TuningJob, TrainingRun]]:
    job_name = prefix.partition("/")[0]
    if "/" in prefix:
        found = sim.store.find_run(job_name, now=now)
        return [found] if found else []
    return [(j, r) for j, r in sim.store.all_runs(now=now) if r.name.startswith(prefix)]


def _streams(sim: SimulatorState, prefix: str, now: float) -> list[tuple[str, list[tuple[int, str]]]]:
    """(stream name, events written so far) of every started stream whose name starts with `prefix`."""
    out = []
    for job, run in _candidate_runs(sim, prefix, now):
        written = events(job, run, now)
        if not written:
            continue
        out += [(name, written) for name in log_stream_names(job, run) if name.startswith(prefix)]
    return out


def describe_log_streams(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    _check_group(params)
    now = sim.now()
    prefix = params.get("logStreamNamePrefix", "")
    order_by = params.get("orderBy", "LogStreamName")
    if order_by == "LastEventTime" and prefix:
        raise _invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
    streams = [
        {
            "logStreamName": name,
            "creationTime": written[0][0],
            "firstEventTimestamp": written[0][0],
            "lastEventTimestamp": written[-1][0],
            "lastIngestionTime": written[-1][0],
            "arn": f"arn:{partition(region)}:logs:{region}:{ACCOUNT}:log-group:{LOG_GROUP}:log-stream:{name}",
            "storedBytes": 0,
        }
        for name, written in _streams(sim, prefix, now)
    ]
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


def _parse_token(token: Any, directions: tuple[str, ...]) -> tuple[str, int, int]:
    """(direction, position, hop) of a token this simulator issued; `x/<n>` reads as hop 0."""
    parts = str(token).split("/")
    if len(parts) not in (2, 3) or parts[0] not in directions or not all(p.isdigit() for p in parts[1:]):
        raise _invalid("The specified nextToken is invalid.")
    return parts[0], int(parts[1]), int(parts[2]) if len(parts) == 3 else 0


def _answers_empty(position: int, hop: int, available: int) -> bool:
    """The deterministic empty page mid-stream: at every EMPTY_EVERY-th position, once."""
    return position < available and hop == 0 and position % EMPTY_EVERY == 0


def get_log_events(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    _check_group(params)
    now = sim.now()
    stream = params.get("logStreamName", "")
    found = dict(_streams(sim, stream, now)).get(stream)
    if found is None:
        raise errors.ApiError("ResourceNotFoundException", "The specified log stream does not exist.")
    written = [
        e
        for e in found
        if (params.get("startTime") is None or e[0] >= params["startTime"])
        and (params.get("endTime") is None or e[0] < params["endTime"])
    ]
    limit = int(params.get("limit", DEFAULT_EVENTS_LIMIT))
    token = params.get("nextToken")
    forward = f"f/{len(written)}/0"
    if token:
        direction, index, hop = _parse_token(token, ("f", "b"))
        if direction == "f":
            if _answers_empty(index, hop, len(written)):
                return {
                    "events": [],
                    "nextForwardToken": f"f/{index}/{hop + 1}",
                    "nextBackwardToken": f"b/{index}",
                }
            start, end = index, min(len(written), index + min(limit, PARTIAL_PAGE))
            # At the end: the same token that was sent, the documented "caught up" signal.
            forward = str(token) if end <= index else f"f/{end}/0"
        else:
            start, end = max(0, index - limit), min(index, len(written))
            forward = f"f/{end}/0"
    elif params.get("startFromHead"):
        start, end = 0, min(len(written), limit)
        forward = f"f/{end}/0"
    else:
        start, end = max(0, len(written) - limit), len(written)
    return {
        "events": [{"timestamp": ts, "message": m, "ingestionTime": ts} for ts, m in written[start:end]],
        "nextForwardToken": forward,
        "nextBackwardToken": f"b/{start}",
    }


def _matcher(pattern: str) -> Callable[[str], bool]:
    """The unstructured-log filter pattern syntax (see the module docstring); "" matches everything."""
    text = pattern.strip()
    if not text:
        return lambda message: True
    if text[0] in "{[" or (text.startswith("%") and text.endswith("%")):
        raise _invalid(
            "The SageMaker simulator supports only term filter patterns (terms, ?term, -term, "
            '"quoted phrases"), not JSON, space-delimited or regular-expression patterns.'
        )
    try:
        terms = shlex.split(text)
    except ValueError:
        raise _invalid(f"Invalid filter pattern: {pattern}") from None
    required = [t for t in terms if not t.startswith(("?", "-"))]
    optional = [t[1:] for t in terms if t.startswith("?") and len(t) > 1]
    excluded = [t[1:] for t in terms if t.startswith("-") and len(t) > 1]

    def matches(message: str) -> bool:
        return (
            all(t in message for t in required)
            and (not optional or any(t in message for t in optional))
            and not any(t in message for t in excluded)
        )

    return matches


def filter_log_events(sim: SimulatorState, params: Params, region: str) -> dict[str, Any]:
    _check_group(params)
    names, prefix = params.get("logStreamNames"), params.get("logStreamNamePrefix")
    if names and prefix:
        # Logs API reference, FilterLogEvents: "If you specify a value for both logStreamNames
        # and logStreamNamePrefix, the action returns an InvalidParameterException error."
        raise _invalid("logStreamNames and logStreamNamePrefix cannot both be specified.")
    matches = _matcher(str(params.get("filterPattern", "")))
    now = sim.now()
    start_time, end_time = params.get("startTime"), params.get("endTime")
    found = []
    for number, (stream, written) in enumerate(_streams(sim, prefix or "", now)):
        if names and stream not in names:
            continue
        for i, (ts, message) in enumerate(written):
            in_time = (start_time is None or ts >= start_time) and (end_time is None or ts <= end_time)
            if in_time and matches(message):
                found.append((ts, stream, f"{ts:020d}{number:06d}{i:08d}", message))
    found.sort(reverse=params.get("startFromHead") is False)
    offset, hop = 0, 0
    if params.get("nextToken"):
        _, offset, hop = _parse_token(params["nextToken"], ("p",))
        if _answers_empty(offset, hop, len(found)):
            return {"events": [], "searchedLogStreams": [], "nextToken": f"p/{offset}/{hop + 1}"}
    limit = int(params.get("limit", DEFAULT_EVENTS_LIMIT))
    size = min(limit, PARTIAL_PAGE) if params.get("nextToken") else limit
    chosen = found[offset : offset + size]
    out: dict[str, Any] = {
        "events": [
            {
                "logStreamName": stream,
                "timestamp": ts,
                "message": message,
                "ingestionTime": ts,
                "eventId": event_id,
            }
            for ts, stream, event_id, message in chosen
        ],
        # Logs API reference: "As of May 15, 2020, this parameter ... returns an empty list."
        "searchedLogStreams": [],
    }
    if offset + len(chosen) < len(found):
        out["nextToken"] = f"p/{offset + len(chosen)}/0"
    return out


HANDLERS: dict[str, Callable[[SimulatorState, Params, str], dict[str, Any]]] = {
    "DescribeLogStreams": describe_log_streams,
    "GetLogEvents": get_log_events,
    "FilterLogEvents": filter_log_events,
}
