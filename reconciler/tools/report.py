"""`hpo-reconciler report`: see how a tuning job went -- a terminal summary, an HTML page or an image.

Contract:
- `fetch(...)` reads, and writes nothing: the HyperparameterTuningJob resource (GET, through the
  kube gateway) for the SageMaker job name recorded in its status, the region of the job's ARN (or
  spec.region) and the endpoint it was created through; or, with `job=`, any tuning job by its
  SageMaker name. Then DescribeHyperParameterTuningJob, ListTrainingJobsForHyperParameterTuningJob
  (every page), and the same two for each warm-start parent (its training jobs are shown as prior),
  all through the SageMaker gateway. A resource's spec.sageMakerEndpoint is a tenant's claim: it is
  used only with `allow_custom_endpoints` (the same policy as `run`), so a report never sends the
  reader's credentials where a tenant pointed them.
- `write(report, output, out)`: no output -> the terminal summary on `out`; a path ending in .html
  -> the self-contained page; .png or .svg -> the image. The file is written beside its final name
  and renamed into place, so a failed render never leaves half a file. Prints the path written.
- Raises `ReportError` (one line for stderr, exit 1) when the resource, the job or a parent cannot be
  read, `ReportUsageError` (exit 2) for an unknown output suffix, and the extra's
  `ReportExtraMissing` (exit 1, naming `pip install 'hpo-reconciler[report]'`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, TextIO

from reconciler.core.calls import CallCounter
from reconciler.core.model import HyperparameterTuningJob
from reconciler.core.settings import Settings
from reconciler.gateways import kube, sagemaker
from reconciler.tools.report_model import Report, build_report
from reconciler.tools.report_text import render_text

FORMATS = (".html", ".png", ".svg")


class ReportError(Exception):
    """The report cannot be made (one line, for stderr)."""


class ReportUsageError(ReportError):
    """The command line asks for something the report does not do."""


def _locate(settings: Settings, namespace: str | None, name: str) -> tuple[str, str | None, str | None, str]:
    """(SageMaker job name, region, endpoint, "namespace/name") of a HyperparameterTuningJob."""
    gateway = kube.KubeGateway(kube.connect(settings), calls=CallCounter())
    namespace = namespace or kube.pod_namespace(settings)
    try:
        resource = HyperparameterTuningJob.parse(gateway.get_tuning_job(namespace, name))
    except kube.NotFoundError:
        raise ReportError(f"hyperparametertuningjob {namespace}/{name} not found") from None
    except kube.KubeError as exc:
        raise ReportError(f"cannot read hyperparametertuningjob {namespace}/{name}: {exc}") from None
    job = resource.status.sage_maker_hyper_parameter_tuning_job_name
    if not job:
        raise ReportError(
            f"hyperparametertuningjob {namespace}/{name} has no SageMaker tuning job recorded yet "
            "(status.sageMakerHyperParameterTuningJobName is empty): "
            "wait for `hpo-reconciler run` to create it"
        )
    region = resource.job_region or resource.region
    endpoint = None
    if settings.allow_custom_endpoints:
        created_with = resource.creation_endpoint
        endpoint = (created_with if created_with is not None else resource.endpoint) or None
    return job, region, endpoint, f"{namespace}/{name}"


def _read(
    gateway: sagemaker.SageMakerGateway, job: str, region: str | None, endpoint: str | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        describe = gateway.describe_tuning_job(job, region=region, endpoint=endpoint)
        if describe is None:
            where = f" in {gateway.region_of(region, endpoint)}" if region is None else f" in {region}"
            raise ReportError(f"SageMaker has no hyperparameter tuning job {job}{where}")
        jobs = gateway.list_training_jobs(job, region=region, endpoint=endpoint)
    except sagemaker.SageMakerError as exc:
        raise ReportError(f"cannot read tuning job {job} from SageMaker: {exc}") from None
    return describe, jobs


def fetch(
    *,
    settings: Settings,
    name: str | None = None,
    namespace: str | None = None,
    job: str | None = None,
    region: str | None = None,
) -> Report:
    """Read everything the report shows (see module doc); exactly one of `name` and `job`."""
    resource = None
    endpoint = None
    if job is None:
        if name is None:
            raise ReportUsageError("name a HyperparameterTuningJob or give --job SAGEMAKER_JOB_NAME")
        job, found_region, endpoint, resource = _locate(settings, namespace, name)
        region = region or found_region
    gateway = sagemaker.SageMakerGateway(settings=settings, calls=CallCounter())
    describe, jobs = _read(gateway, job, region, endpoint)
    parents = []
    warm = describe.get("WarmStartConfig") or {}
    for parent in warm.get("ParentHyperParameterTuningJobs") or []:
        parent_name = parent.get("HyperParameterTuningJobName")
        if isinstance(parent_name, str) and parent_name:
            parents.append(_read(gateway, parent_name, region, endpoint))
    return build_report(describe, jobs, parents=parents, resource=resource)


def write(report: Report, output: Path | None, *, out: TextIO) -> Path | None:
    """Render the report to `output` (or the terminal summary to `out`); the path written."""
    if output is None:
        out.write(render_text(report))
        return None
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise ReportUsageError(
            f"-o {output}: the report is written as {', '.join(FORMATS)} (by the file's suffix)"
        )
    directory = output.parent if str(output.parent) else Path(".")
    if not directory.is_dir():
        raise ReportError(f"-o {output}: directory {directory} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    os.close(handle)
    try:
        if suffix == ".html":
            from reconciler.tools.report_html import render_html

            Path(temporary).write_text(render_html(report), encoding="utf-8")
        else:
            from reconciler.tools.report_image import render_image

            render_image(report, Path(temporary), suffix[1:])
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    out.write(f"wrote {output}\n")
    return output
