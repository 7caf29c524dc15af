"""`hpo-reconciler logs TRAININGJOB` (and `kubectl smlogs trainingjob NAME`): a training job's CloudWatch log.

Contract:
- `print_logs(name, namespace=..., tail=..., follow=..., settings=..., out=...)` reads the
  TrainingJob child resource (GET trainingjobs), takes the SageMaker training job name from its
  status (falling back to the resource name) and the region from its spec, then prints the events
  of every log stream of the job in `/aws/sagemaker/TrainingJobs`: one stream per instance
  (`<job>/algo-N-<epoch>`). With one stream the lines are printed as written; with several they
  are merged by timestamp and each is prefixed with its instance (`[algo-2] `). `tail` keeps the
  last N lines.
- A stream is read to its end: GetLogEvents may return empty or partial pages before the end, and
  the end is the page whose forward token equals the token that was sent (the CloudWatch Logs API
  reference of GetLogEvents).
- `follow`: after the lines so far, keeps reading new lines (and streams of instances that start
  later) every `poll_seconds` until DescribeTrainingJob says the job ended (Completed, Failed or
  Stopped), then reads once more and returns.
- NAME naming a HyperparameterTuningJob rather than a TrainingJob raises `TuningJobNamed`, whose
  message lists the tuning job's TrainingJob resources (the names to ask for instead).
- Raises `LogsError` with a one-line message when the resource or the log does not exist or AWS
  refuses; `kube.KubeConfigError` for unusable cluster configuration.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

import boto3
import botocore.exceptions

from reconciler.core.calls import CallCounter
from reconciler.core.model import CHILD_LABEL, TrainingJob
from reconciler.core.settings import Settings
from reconciler.gateways import kube

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
ENDED = frozenset({"Completed", "Failed", "Stopped"})
DEFAULT_POLL_SECONDS = 5.0


class LogsError(Exception):
    """The log cannot be shown (one line, for stderr)."""


class TuningJobNamed(LogsError):
    """The name is a HyperparameterTuningJob's: logs belong to its training jobs (listed in the message)."""


@dataclass(frozen=True)
class _Event:
    timestamp: int
    host: int  # position of its stream among the job's streams (stable order for equal timestamps)
    stream: str
    message: str


@dataclass
class _Reader:
    """Where each stream of one training job has been read to."""

    client: Any
    job_name: str
    tokens: dict[str, str | None] = field(default_factory=dict)

    def read_new(self) -> list[_Event]:
        """Every event written since the last call, over all streams, merged by time."""
        for stream in _streams(self.client, self.job_name):
            self.tokens.setdefault(stream, None)
        streams = sorted(self.tokens)
        found: list[_Event] = []
        for host, stream in enumerate(streams):
            messages, self.tokens[stream] = _read_to_end(self.client, stream, self.tokens[stream])
            found += [_Event(ts, host, stream, text) for ts, text in messages]
        return sorted(found, key=lambda e: (e.timestamp, e.host))


def print_logs(
    name: str,
    *,
    namespace: str | None,
    tail: int | None,
    settings: Settings,
    out: TextIO,
    follow: bool = False,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Print the log; returns the number of lines printed."""
    gateway = kube.KubeGateway(kube.connect(settings), calls=CallCounter())
    namespace = namespace or kube.pod_namespace(settings)
    child = _training_job(gateway, namespace, name)
    job_name = child.status.sage_maker_training_job_name or name
    region = child.spec.get("region") if isinstance(child.spec.get("region"), str) else None
    try:
        session = boto3.session.Session()
        reader = _Reader(session.client("logs", region_name=region or settings.default_region), job_name)
        events = reader.read_new()
        if not events and not follow:
            raise LogsError(f"no CloudWatch log streams for training job {job_name} in {LOG_GROUP} (yet)")
        several = len(reader.tokens) > 1
        printed = _write(out, events[-tail:] if tail else events, several=several)
        if not follow:
            return printed
        sagemaker = session.client("sagemaker", region_name=region or settings.default_region)
        while True:
            ended = _status(sagemaker, job_name) in ENDED
            several = several or len(reader.tokens) > 1
            if not ended:
                sleep(poll_seconds)
            new = reader.read_new()
            several = several or len(reader.tokens) > 1
            printed += _write(out, new, several=several)
            if ended:
                return printed
    except botocore.exceptions.NoCredentialsError:
        raise LogsError("no AWS credentials found (boto3 default chain)") from None
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise LogsError(f"{_service(exc)}: {error.get('Code')}: {error.get('Message')}") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise LogsError(f"AWS: {exc}") from None


def _training_job(gateway: kube.KubeGateway, namespace: str, name: str) -> TrainingJob:
    try:
        return TrainingJob.parse(gateway.get_training_job(namespace, name))
    except kube.NotFoundError:
        pass
    except kube.KubeError as exc:
        raise LogsError(f"cannot read trainingjob {namespace}/{name}: {exc}") from None
    try:
        gateway.get_tuning_job(namespace, name)
    except kube.KubeError:  # not a tuning job either (or unreadable): the plain answer
        raise LogsError(f"trainingjob {namespace}/{name} not found") from None
    children = sorted(
        str(child["metadata"]["name"])
        for child in gateway.list_training_jobs(namespace, selector=f"{CHILD_LABEL}={name}")
    )
    if not children:
        raise TuningJobNamed(
            f"{namespace}/{name} is a hyperparametertuningjob and has no training jobs yet; logs belong "
            "to its training jobs: run this again once `kubectl get trainingjobs` lists them"
        )
    listed = "\n".join(f"  {child}" for child in children)
    raise TuningJobNamed(
        f"{namespace}/{name} is a hyperparametertuningjob; logs belong to its training jobs, name one "
        f"of these {len(children)}:\n{listed}"
    )


def _write(out: TextIO, events: Iterable[_Event], *, several: bool) -> int:
    count = 0
    for event in events:
        prefix = f"[{_instance(event.stream)}] " if several else ""
        out.write(prefix + event.message.rstrip("\n") + "\n")
        count += 1
    out.flush()
    return count


def _instance(stream: str) -> str:
    """`job/algo-2-1574293123` -> `algo-2`."""
    tail = stream.rpartition("/")[2]
    return tail.rsplit("-", 1)[0] if tail.count("-") >= 2 else tail


def _service(exc: botocore.exceptions.ClientError) -> str:
    name = str(exc.operation_name or "")
    return "CloudWatch Logs" if name in ("DescribeLogStreams", "GetLogEvents") else "SageMaker"


def _status(client: Any, job_name: str) -> str:
    return str(client.describe_training_job(TrainingJobName=job_name).get("TrainingJobStatus", ""))


def _streams(client: Any, job_name: str) -> list[str]:
    names: list[str] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"logGroupName": LOG_GROUP, "logStreamNamePrefix": f"{job_name}/"}
        if token:
            params["nextToken"] = token
        try:
            page = client.describe_log_streams(**params)
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return []
            raise
        names.extend(s["logStreamName"] for s in page.get("logStreams", []))
        token = page.get("nextToken")
        if not token:
            return sorted(names)


def _read_to_end(client: Any, stream: str, token: str | None) -> tuple[list[tuple[int, str]], str | None]:
    """(timestamp, message) of the events after `token` (from the head when None), and the new token."""
    messages: list[tuple[int, str]] = []
    while True:
        params: dict[str, Any] = {"logGroupName": LOG_GROUP, "logStreamName": stream, "startFromHead": True}
        if token:
            params["nextToken"] = token
        page = client.get_log_events(**params)
        messages.extend(
            (int(e.get("timestamp", 0)), str(e.get("message", ""))) for e in page.get("events", [])
        )
        next_token = page.get("nextForwardToken")
        # The end of the stream is the token sent coming back; an empty page before it is not the end.
        if not next_token or next_token == token:
            return messages, token
        token = next_token
