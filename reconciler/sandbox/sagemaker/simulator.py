"""The simulator's state and its one entry point, independent of HTTP.

Contract: `Simulator.call(target, params, region=)` executes one AWS JSON 1.1 request
(`target` is the X-Amz-Target value, e.g. "SageMaker.DescribeHyperParameterTuningJob") and
returns the response dict or raises `ApiError`. In order: count the request, sleep the injected
latency, raise an injected fault, validate the input against botocore's model (SageMaker with
AWS's wording via reconciler.awsmodel, Logs via `logs_validation`), run the handler under the
store lock at the current simulated time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from reconciler.sandbox.sagemaker import errors, logs_ops, sagemaker_ops
from reconciler.sandbox.sagemaker.arns import ACCOUNT, arn, partition
from reconciler.sandbox.sagemaker.clock import SimClock
from reconciler.sandbox.sagemaker.faults import Faults
from reconciler.sandbox.sagemaker.logs_validation import check_logs_request
from reconciler.sandbox.sagemaker.model import Knobs
from reconciler.sandbox.sagemaker.store import Store
from reconciler.sandbox.sagemaker.validation import check_request

SAGEMAKER_PREFIX = "SageMaker."
LOGS_PREFIX = "Logs_20140328."

Handler = Callable[["Simulator", Mapping[str, Any], str], dict[str, Any]]


class Simulator:
    def __init__(self, *, time_scale: float, max_running_tuning_jobs: int, seed: int) -> None:
        self.clock = SimClock(time_scale=time_scale)
        self.knobs = Knobs()
        self.store = Store(knobs=self.knobs)
        self.faults = Faults(seed=seed)
        self.max_running_tuning_jobs = max_running_tuning_jobs
        self.seed = seed
        self.recorder: Callable[[dict[str, Any]], None] | None = None
        self._frozen = threading.local()

    def now(self) -> float:
        """Simulated time; constant for the duration of one request, so a handler sees one instant."""
        frozen: float | None = getattr(self._frozen, "at", None)
        return frozen if frozen is not None else self.clock.now()

    @contextlib.contextmanager
    def frozen_at(self, at: float) -> Iterator[None]:
        previous = getattr(self._frozen, "at", None)
        self._frozen.at = at
        try:
            yield
        finally:
            self._frozen.at = previous

    def record(self, entry: dict[str, Any]) -> None:
        if self.recorder is not None:
            self.recorder(entry)

    def call(self, target: str, params: Mapping[str, Any], *, region: str) -> dict[str, Any]:
        service, operation, handler = _route(target)
        self.faults.count(operation)
        latency = self.faults.latency
        if latency > 0:
            time.sleep(latency)
        fault = self.faults.take(
            operation,
            subject=_subject(params),
            denial={
                **_denial(service, operation, params, region),
                "tuning_jobs_limit": self.max_running_tuning_jobs,
            },
        )
        if fault is not None:
            raise fault
        if handler is None:
            if service == "SageMaker" and operation in sagemaker_ops.KNOWN_BUT_NOT_SIMULATED:
                raise errors.ApiError(
                    "UnknownOperationException", f"The SageMaker simulator does not implement {operation}."
                )
            raise errors.unknown_operation()
        params = _without_nulls(params)
        if service == "SageMaker":
            check_request(operation, params)
        else:
            check_logs_request(operation, params)
        with self.store.lock, self.frozen_at(self.clock.now()):
            result = handler(self, params, region)
            self.record(
                {
                    "kind": "request",
                    "operation": operation,
                    "params": dict(params),
                    "region": region,
                    "at": self.now(),
                }
            )
            return result


def _route(target: str) -> tuple[str, str, Handler | None]:
    if target.startswith(SAGEMAKER_PREFIX):
        operation = target[len(SAGEMAKER_PREFIX) :]
        return "SageMaker", operation, sagemaker_ops.HANDLERS.get(operation)
    if target.startswith(LOGS_PREFIX):
        operation = target[len(LOGS_PREFIX) :]
        return "Logs", operation, logs_ops.HANDLERS.get(operation)
    return "", target.rpartition(".")[2] or target, None


def _without_nulls(value: Any) -> Any:
    """JSON nulls mean "absent" to AWS services; dropping them keeps handlers from seeing None."""
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _denial(service: str, operation: str, params: Mapping[str, Any], region: str) -> dict[str, str]:
    """What an AccessDeniedException names: the IAM action and the ARN of the resource asked for.

    Resource ARNs follow the Service Authorization Reference (SageMaker: hyper-parameter-tuning-job/
    <name>, training-job/<name>; List* actions take no resource, shown as `*`; CloudWatch Logs:
    log-group:<group>:log-stream:<stream>).
    """
    where = partition(region)
    if service == "Logs":
        group = params.get("logGroupName") or "/aws/sagemaker/TrainingJobs"
        resource = f"arn:{where}:logs:{region}:{ACCOUNT}:log-group:{group}"
        if isinstance(params.get("logStreamName"), str):
            resource += f":log-stream:{params['logStreamName']}"
        action = f"logs:{operation}"
    else:
        action = f"sagemaker:{operation}"
        if isinstance(params.get("ResourceArn"), str):
            resource = params["ResourceArn"]
        elif isinstance(params.get("HyperParameterTuningJobName"), str):
            resource = arn(
                region=region, kind="hyper-parameter-tuning-job", name=params["HyperParameterTuningJobName"]
            )
        elif isinstance(params.get("TrainingJobName"), str):
            resource = arn(region=region, kind="training-job", name=params["TrainingJobName"])
        else:
            resource = "*"
    return {"action": action, "resource": resource, "partition": where, "account": ACCOUNT}


def _subject(params: Mapping[str, Any]) -> str | None:
    """The resource a request is about, for faults scripted against one name."""
    for key in ("HyperParameterTuningJobName", "TrainingJobName", "ResourceArn", "logStreamName"):
        value = params.get(key)
        if isinstance(value, str):
            return value
    return None
