"""`hpo-reconciler logs TRAININGJOB`: print a training job's CloudWatch log.

Contract:
- `print_logs(name, namespace=..., tail=..., settings=..., out=...)` reads the TrainingJob child
  resource (GET trainingjobs), takes the SageMaker training job name from its status (falling back
  to the resource name) and the region from its spec, then prints every event of its log streams in
  `/aws/sagemaker/TrainingJobs` (streams `<job>/algo-N-...`), oldest first; `tail` keeps the last N lines.
- Raises `LogsError` with a one-line message when the resource or the log does not exist or AWS
  refuses; `kube.KubeConfigError` for unusable cluster configuration.
"""

from __future__ import annotations

from collections import deque
from typing import Any, TextIO

import boto3
import botocore.exceptions

from reconciler.core.calls import CallCounter
from reconciler.core.model import TrainingJob
from reconciler.core.settings import Settings
from reconciler.gateways import kube

LOG_GROUP = "/aws/sagemaker/TrainingJobs"


class LogsError(Exception):
    """The log cannot be shown (one line, for stderr)."""


def print_logs(name: str, *, namespace: str | None, tail: int | None, settings: Settings, out: TextIO) -> int:
    """Print the log; returns the number of lines printed."""
    gateway = kube.KubeGateway(kube.connect(settings), calls=CallCounter())
    namespace = namespace or kube.pod_namespace(settings)
    try:
        child = TrainingJob.parse(gateway.get_training_job(namespace, name))
    except kube.NotFoundError:
        raise LogsError(f"trainingjob {namespace}/{name} not found") from None
    except kube.KubeError as exc:
        raise LogsError(f"cannot read trainingjob {namespace}/{name}: {exc}") from None
    job_name = child.status.sage_maker_training_job_name or name
    region = child.spec.get("region") if isinstance(child.spec.get("region"), str) else None
    try:
        client = boto3.session.Session().client("logs", region_name=region or settings.default_region)
        streams = _streams(client, job_name)
        if not streams:
            raise LogsError(f"no CloudWatch log streams for training job {job_name} in {LOG_GROUP} (yet)")
        lines: deque[str] | list[str] = deque(maxlen=tail) if tail else []
        for stream in streams:
            for message in _messages(client, stream):
                lines.append(message)
    except botocore.exceptions.NoCredentialsError:
        raise LogsError("no AWS credentials found (boto3 default chain)") from None
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise LogsError(f"CloudWatch Logs: {error.get('Code')}: {error.get('Message')}") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise LogsError(f"CloudWatch Logs: {exc}") from None
    for line in lines:
        out.write(line.rstrip("\n") + "\n")
    return len(lines)


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


def _messages(client: Any, stream: str) -> list[str]:
    messages: list[str] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"logGroupName": LOG_GROUP, "logStreamName": stream, "startFromHead": True}
        if token:
            params["nextToken"] = token
        page = client.get_log_events(**params)
        messages.extend(str(e.get("message", "")) for e in page.get("events", []))
        next_token = page.get("nextForwardToken")
        # GetLogEvents signals the end by returning the token it was given; an empty or partial
        # page before that is not the end (Logs API reference, GetLogEvents).
        if not next_token or next_token == token:
            return messages
        token = next_token
