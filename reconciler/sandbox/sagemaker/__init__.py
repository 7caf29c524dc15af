"""A faithful Amazon SageMaker simulator (tuning jobs, training jobs, their logs) for tests and the demo.

Real boto3 reaches it through `SageMakerSandbox.env()` (`AWS_ENDPOINT_URL_SAGEMAKER`,
`AWS_ENDPOINT_URL_LOGS`, any credentials). It speaks the AWS JSON 1.1 protocol on 127.0.0.1:
`X-Amz-Target: SageMaker.<Operation>` and `Logs_20140328.<Operation>` on the same port.

Operations: CreateHyperParameterTuningJob, DescribeHyperParameterTuningJob,
ListHyperParameterTuningJobs, StopHyperParameterTuningJob, DeleteHyperParameterTuningJob,
ListTrainingJobsForHyperParameterTuningJob, DescribeTrainingJob, ListTrainingJobs,
StopTrainingJob, AddTags, ListTags; Logs DescribeLogStreams, GetLogEvents, FilterLogEvents on
`/aws/sagemaker/TrainingJobs` (one stream per instance; pages may be empty or partial mid-stream,
as the Logs API allows). Requests are validated against botocore's model with AWS's wording
(`reconciler.awsmodel.check_input`), then SageMaker's create-time rules (`semantic`). Each
behaviour, its source and how sure we are: docs/fidelity.md.

Time: simulated time = start + real elapsed * time_scale + sum(advance()). time_scale=1 is real
time (a 10-job run of samples/xgboost-mnist-hpo.yaml, 10 in parallel, takes about 3-4 simulated
minutes: each training job spends ~60 s Starting, ~30 s Downloading, ~90 s Training, ~20 s
Uploading, each +-20%); time_scale=60 makes one real second one simulated minute, so that run
takes ~4 real seconds. The lifecycle is computed from the clock when a request arrives
(`lifecycle`), never by background threads, so tests driving `advance()` are deterministic.
The objective each training job reports is the documented function in `objective`.

Test controls (in process on `SageMakerSandbox`, over HTTP under `/sandbox/`, see `mirror`):
request counters, scripted and random faults (ThrottlingException "Rate exceeded", 500, 503,
AccessDeniedException in IAM's words), latency, advancing the clock, forcing outcomes, failure
rates, account instance quotas (ResourceLimitExceeded on create).

Run alone: `python -m reconciler.sandbox.sagemaker --dir DIR [--port N] [--time-scale X]`
writes DIR/endpoint (the URL) once it accepts requests and serves until interrupted.

Modules, one job each: `server` (HTTP, JSON 1.1 errors) -> `simulator` (routing, counters,
faults, validation, lock) -> `sagemaker_ops` / `logs_ops` (handlers) over `store` (records by
name/ARN, caught up to the clock) and `render` (response shapes). The lifecycle is `lifecycle`
(catch-up, completion), `launch` (planning a run), `interventions` (stop, forced outcomes),
`sampler` + `ranges` (hyperparameter draws), `objective` (the metric), `training_logs` (log
lines), `clock`. Validation: `validation` (model check via reconciler.awsmodel), `semantic` +
`semantic_definition` (create-time rules), `defaults` (API_DEFAULTS filled in),
`builtin_metrics` (metric definitions of built-in algorithms). Test controls:
`control`, `mirror` (HTTP), `faults`; `persistence` (journal); `api` (`SageMakerSandbox`).
"""

from __future__ import annotations

from reconciler.sandbox.sagemaker.api import SageMakerSandbox
from reconciler.sandbox.sagemaker.objective import objective_value

__all__ = ["SageMakerSandbox", "objective_value"]
