"""`SageMakerSandbox`: the in-process handle tests and the demo use (its methods are what the tests use).

Contract: a context manager serving the simulator on 127.0.0.1 in a background thread. Every test
control here has a twin under `/sandbox/` (see `mirror`). `set_failure_rates` is an addition to
the interface for the lifecycle's configurable failures; `seed_tuning_job` / `describe_tuning_job`
let benchmarks seed and inspect thousands of jobs without HTTP round trips.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from reconciler.sandbox.sagemaker import control
from reconciler.sandbox.sagemaker.persistence import Journal
from reconciler.sandbox.sagemaker.server import DEFAULT_REGION, SimulatorServer
from reconciler.sandbox.sagemaker.simulator import Simulator
from reconciler.sandbox.serving import Serving


class SageMakerSandbox(Serving):
    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        state_dir: Path | None = None,
        port: int = 0,
        max_running_tuning_jobs: int = 100,
        seed: int = 0,
    ) -> None:
        self.simulator = Simulator(
            time_scale=time_scale, max_running_tuning_jobs=max_running_tuning_jobs, seed=seed
        )
        self._port = port
        self._journal = Journal(state_dir, self.simulator) if state_dir is not None else None
        self._server: SimulatorServer | None = None
        self.url = ""

    def start(self) -> None:
        if self._server is not None:
            return
        if self._journal is not None:
            self._journal.load()
        self._server = SimulatorServer(self.simulator, port=self._port)
        self.url = self._server.url
        self._server.start_background()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop_background()
            self._server = None
        if self._journal is not None:
            self._journal.close()

    def env(self) -> dict[str, str]:
        """Environment variables that point boto3 (and the reconciler) at this sandbox.

        boto3 itself reads `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS` for the logs client (the variable is
        named after the service id "CloudWatch Logs"); `AWS_ENDPOINT_URL_LOGS` is the name
        the sandbox's env file promises, so both are set.
        """
        return {
            "AWS_ENDPOINT_URL_SAGEMAKER": self.url,
            "AWS_ENDPOINT_URL_LOGS": self.url,
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": self.url,
            "AWS_DEFAULT_REGION": DEFAULT_REGION,
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
        }

    def stats(self) -> dict[str, int]:
        return self.simulator.faults.stats()

    def reset_stats(self) -> None:
        self.simulator.faults.reset_stats()

    def inject_fault(
        self,
        *,
        operation: str,
        name: str | None = None,
        error: str | int = "ThrottlingException",
        times: int = 1,
    ) -> None:
        self.simulator.faults.inject(operation=operation, name=name, error=error, times=times)

    def set_fault_rate(
        self,
        *,
        rate: float,
        error: str | int = "ThrottlingException",
        operations: Collection[str] | None = None,
    ) -> None:
        self.simulator.faults.set_rate(rate=rate, error=error, operations=operations)

    def set_latency(self, seconds: float) -> None:
        self.simulator.faults.latency = seconds

    def advance(self, seconds: float) -> None:
        control.advance(self.simulator, seconds)

    def force_outcome(
        self, training_job_name_or_tuning_job_name: str, *, status: str, failure_reason: str | None = None
    ) -> None:
        control.force_outcome(
            self.simulator, training_job_name_or_tuning_job_name, status=status, failure_reason=failure_reason
        )

    def set_failure_rates(self, *, retryable: float = 0.0, non_retryable: float = 0.0) -> None:
        control.set_failure_rates(self.simulator, retryable=retryable, non_retryable=non_retryable)

    def set_instance_quota(self, instance_type: str, instances: int | None) -> None:
        """Set the account quota "<instance_type> for training job usage" (None: unlimited); a create
        that exceeds it is refused with ResourceLimitExceeded, as SageMaker words it."""
        control.set_instance_quota(self.simulator, instance_type, instances)

    def tuning_job_names(self) -> list[str]:
        return control.tuning_job_names(self.simulator)

    def seed_tuning_job(
        self, request: Mapping[str, Any], *, created: float | None = None, region: str = DEFAULT_REGION
    ) -> str:
        """Add a tuning job without HTTP, counters or validation (for benchmarks); returns its ARN."""
        return control.seed_tuning_job(self.simulator, request, region=region, created=created)

    def describe_tuning_job(self, name: str) -> dict[str, Any]:
        """What DescribeHyperParameterTuningJob answers now (timestamps as epoch seconds), uncounted."""
        return control.describe_tuning_job(self.simulator, name)

    def now(self) -> float:
        """The simulated clock (epoch seconds)."""
        return self.simulator.now()
