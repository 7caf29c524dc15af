"""Generator of the committed CustomResourceDefinitions in ``crds/``.

Usage: ``python -m reconciler.crdgen [--dir crds] [--check]``. Without ``--check`` it writes
``hyperparametertuningjob.yaml`` and ``trainingjob.yaml``; with ``--check`` it writes nothing
and exits 1, printing a diff summary, when the committed files differ from what it would write
(0 when they match, 2 on usage errors).

Contract: `render_crds()` is pure and byte-reproducible for one botocore release (recorded in
each file's header; constraints.txt pins it): keys sorted, no descriptions (``kubectl apply``
keeps the whole object in a 256 KiB annotation), list order taken from the model. The spec
schemas come from `awsmodel_schema` (the SageMaker model, DESIGN 3.1); the status schemas and
printer columns are the cross-team contract of interfaces.md (DESIGN 3.3).

Patterns the API server cannot evaluate as written (it uses Go RE2; the model's are Java
regular expressions). With botocore 1.44.8 these shapes reachable from the two request shapes
are affected, and `EXPECTED_PATTERN_REPORT` pins the list so a botocore upgrade that changes it
is noticed by the tests:
- left out: TagKey, TagValue (``\\p{L}``/``\\p{Z}``/``\\p{N}`` Unicode classes: RE2 has them,
  Python's ``re`` used by ``hpo-reconciler validate`` has not; the exact check still runs in
  `awsmodel.check_input` before any request is sent);
- loosened: ArnOrName (trailing ``(?<!-)`` lookbehind removed), ModelPackageArn and
  ModelPackageGroupArn (``{1,2048}`` exceeds RE2's repeat limit of 1000, widened to ``{1,}``).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from reconciler.awsmodel_loader import botocore_version
from reconciler.awsmodel_schema import Schema, pattern_report, resource_schema

GROUP = "sagemaker.aws.amazon.com"
VERSION = "v1"
TUNING_JOB_REQUEST = "CreateHyperParameterTuningJobRequest"
TRAINING_JOB_REQUEST = "CreateTrainingJobRequest"
EXPECTED_PATTERN_REPORT = {
    "ArnOrName": "loosened",
    "ModelPackageArn": "loosened",
    "ModelPackageGroupArn": "loosened",
    "TagKey": "dropped",
    "TagValue": "dropped",
}
HPO_FILE = "hyperparametertuningjob.yaml"
TRAINING_FILE = "trainingjob.yaml"

_STRING: Schema = {"type": "string"}
_DATE_TIME: Schema = {"type": "string", "format": "date-time"}
_INT: Schema = {"type": "integer"}
_INT64: Schema = {"type": "integer", "format": "int64"}
_NUMBER: Schema = {"type": "number"}
REGION_SCHEMA: Schema = {"type": "string", "maxLength": 32, "pattern": "^[a-z]{2}(-[a-z]+)+-[0-9]+$"}
ENDPOINT_SCHEMA: Schema = {"type": "string", "maxLength": 2048, "pattern": "^https?://[^ ]+$"}


def _object(properties: dict[str, Schema], *, required: Sequence[str] = ()) -> Schema:
    result: Schema = {"type": "object", "properties": properties}
    if required:
        result["required"] = list(required)
    return result


def _conditions_schema() -> Schema:
    condition = _object(
        {
            "type": _STRING,
            "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
            "reason": _STRING,
            "message": _STRING,
            "lastTransitionTime": _DATE_TIME,
            "observedGeneration": _INT64,
        },
        required=["type", "status"],
    )
    return {
        "type": "array",
        "items": condition,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
    }


def _metric_schema() -> Schema:
    return _object({"metricName": _STRING, "value": _NUMBER})


def hpo_status_schema() -> Schema:
    """HyperparameterTuningJob ``.status`` (interfaces.md, DESIGN 3.3)."""
    counter_names = [
        "completed",
        "inProgress",
        "nonRetryableError",
        "retryableError",
        "stopped",
        "totalError",
    ]
    counters = _object({name: _INT for name in counter_names})
    best = _object(
        {
            "trainingJobName": _STRING,
            "trainingJobArn": _STRING,
            "trainingJobStatus": _STRING,
            "creationTime": _DATE_TIME,
            "trainingStartTime": _DATE_TIME,
            "trainingEndTime": _DATE_TIME,
            "objectiveStatus": _STRING,
            "finalHyperParameterTuningJobObjectiveMetric": _metric_schema(),
            "tunedHyperParameters": {
                "type": "array",
                "items": _object({"name": _STRING, "value": _STRING}),
            },
        }
    )
    return _object(
        {
            "hyperParameterTuningJobStatus": _STRING,
            "sageMakerHyperParameterTuningJobName": _STRING,
            "hyperParameterTuningJobArn": _STRING,
            "failureReason": _STRING,
            "additional": _STRING,
            "lastCheckTime": _DATE_TIME,
            "observedGeneration": _INT64,
            "trainingJobStatusCounters": counters,
            "bestTrainingJob": best,
            "conditions": _conditions_schema(),
        }
    )


def training_status_schema() -> Schema:
    """TrainingJob ``.status`` (interfaces.md)."""
    data_point = _object({"metricName": _STRING, "value": _NUMBER, "timestamp": _DATE_TIME})
    return _object(
        {
            "trainingJobStatus": _STRING,
            "secondaryStatus": _STRING,
            "sageMakerTrainingJobName": _STRING,
            "trainingJobArn": _STRING,
            "creationTime": _DATE_TIME,
            "trainingStartTime": _DATE_TIME,
            "trainingEndTime": _DATE_TIME,
            "lastModifiedTime": _DATE_TIME,
            "failureReason": _STRING,
            "modelPath": _STRING,
            "cloudWatchLogUrl": _STRING,
            "finalHyperParameterTuningJobObjectiveMetric": _metric_schema(),
            "finalMetricDataList": {"type": "array", "items": data_point},
            "lastCheckTime": _DATE_TIME,
            "additional": _STRING,
            "observedGeneration": _INT64,
            "conditions": _conditions_schema(),
        }
    )


def hpo_spec_schema() -> Schema:
    """HyperparameterTuningJob ``.spec``: the CreateHyperParameterTuningJob input + CR-only fields."""
    spec = resource_schema(TUNING_JOB_REQUEST)
    # The job name is optional on the resource: without it the reconciler derives one (DESIGN 3.2).
    spec["required"] = [name for name in spec.get("required", []) if name != "hyperParameterTuningJobName"]
    spec["properties"]["region"] = dict(REGION_SCHEMA)
    spec["properties"]["sageMakerEndpoint"] = dict(ENDPOINT_SCHEMA)
    return spec


def training_spec_schema() -> Schema:
    """TrainingJob ``.spec``: CreateTrainingJobRequest members + region + sageMakerEndpoint."""
    spec = resource_schema(TRAINING_JOB_REQUEST)
    # Children mirror DescribeTrainingJob, which need not echo every create-time required
    # member (Tags never); a mirror must never be refused by the API server, so the top level
    # requires nothing. Nested structures keep the model's required members.
    spec.pop("required", None)
    spec["properties"]["region"] = dict(REGION_SCHEMA)
    spec["properties"]["sageMakerEndpoint"] = dict(ENDPOINT_SCHEMA)
    return spec


def _column(name: str, path: str, kind: str, *, priority: int = 0, fmt: str | None = None) -> Schema:
    column: Schema = {"name": name, "type": kind, "jsonPath": path}
    if fmt:
        column["format"] = fmt
    if priority:
        column["priority"] = priority
    return column


def hpo_printer_columns() -> list[Schema]:
    """Columns of `kubectl get hyperparametertuningjob` (DESIGN 3.1), in order."""
    counters = ".status.trainingJobStatusCounters"
    ready = '.status.conditions[?(@.type=="Ready")]'
    return [
        _column("Status", ".status.hyperParameterTuningJobStatus", "string"),
        # type string + format date-time prints the timestamp, as the legacy operator did (type
        # date would print an age).
        _column("Creation-Time", ".metadata.creationTimestamp", "string", fmt="date-time"),
        _column("Completed", f"{counters}.completed", "integer"),
        _column("InProgress", f"{counters}.inProgress", "integer"),
        _column("Errors", f"{counters}.totalError", "integer"),
        _column("Stopped", f"{counters}.stopped", "integer"),
        _column("Best-Training-Job", ".status.bestTrainingJob.trainingJobName", "string"),
        _column("Sagemaker-Job-Name", ".status.sageMakerHyperParameterTuningJobName", "string"),
        _column("Ready", f"{ready}.status", "string", priority=1),
        _column("Reason", f"{ready}.reason", "string", priority=1),
    ]


def training_printer_columns() -> list[Schema]:
    """Columns of `kubectl get trainingjob` (DESIGN 3.1), in order."""
    return [
        _column("Status", ".status.trainingJobStatus", "string"),
        _column("Secondary-Status", ".status.secondaryStatus", "string"),
        _column("Creation-Time", ".metadata.creationTimestamp", "string", fmt="date-time"),
        _column("Sagemaker-Job-Name", ".status.sageMakerTrainingJobName", "string"),
        _column(
            "Objective", ".status.finalHyperParameterTuningJobObjectiveMetric.value", "number", priority=1
        ),
    ]


def _crd(
    *, kind: str, plural: str, short_name: str, spec: Schema, status: Schema, columns: list[Schema]
) -> dict[str, Any]:
    root = _object(
        {
            "apiVersion": _STRING,
            "kind": _STRING,
            "metadata": {"type": "object"},
            "spec": spec,
            "status": status,
        },
        required=["spec"],
    )
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": [short_name],
                "categories": ["sagemaker"],
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": columns,
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


def crd_documents() -> dict[str, dict[str, Any]]:
    """The two CRDs as Python objects, by file name."""
    return {
        HPO_FILE: _crd(
            kind="HyperparameterTuningJob",
            plural="hyperparametertuningjobs",
            short_name="hpo",
            spec=hpo_spec_schema(),
            status=hpo_status_schema(),
            columns=hpo_printer_columns(),
        ),
        TRAINING_FILE: _crd(
            kind="TrainingJob",
            plural="trainingjobs",
            short_name="tj",
            spec=training_spec_schema(),
            status=training_status_schema(),
            columns=training_printer_columns(),
        ),
    }


def actual_pattern_report() -> dict[str, str]:
    """{shape name: "loosened" | "dropped"} for the request shapes the CRDs are built from."""
    return {
        name: "dropped" if portable.pattern is None else "loosened"
        for name, portable in pattern_report(TUNING_JOB_REQUEST, TRAINING_JOB_REQUEST).items()
    }


def _header(source: str) -> str:
    report = actual_pattern_report()
    dropped = ", ".join(n for n, how in report.items() if how == "dropped") or "none"
    loosened = ", ".join(n for n, how in report.items() if how == "loosened") or "none"
    return (
        f"# Generated by `python -m reconciler.crdgen` from {source} in botocore {botocore_version()}.\n"
        "# Do not edit: change the generator and regenerate (`make crds`).\n"
        f"# Model patterns RE2 and Python cannot both express, left out: {dropped}; loosened: {loosened}.\n"
    )


class _NoAliasDumper(yaml.SafeDumper):
    """Writes shared sub-schemas out in full: CRDs with YAML anchors are legal but unreadable."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_crds() -> dict[str, str]:
    """The exact text of every file in crds/, by file name."""
    sources = {HPO_FILE: TUNING_JOB_REQUEST, TRAINING_FILE: TRAINING_JOB_REQUEST}
    return {
        name: _header(sources[name])
        + yaml.dump(
            doc,
            Dumper=_NoAliasDumper,
            sort_keys=True,
            # Lists of scalars (enums, required) in flow style keep the files well under the
            # 256 KiB that `kubectl apply` can store in its last-applied annotation.
            default_flow_style=None,
            width=100_000,
            allow_unicode=False,
        )
        for name, doc in crd_documents().items()
    }


def differences(crd_dir: Path) -> list[str]:
    """One summary line per file in `crd_dir` that differs from the generator's output."""
    problems: list[str] = []
    for name, text in render_crds().items():
        path = crd_dir / name
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        current = path.read_text(encoding="utf-8")
        if current != text:
            diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(), lineterm="", n=0))
            changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
            preview = "; ".join(line[:120] for line in changed[:3])
            problems.append(f"{path}: differs from the generator ({len(changed)} changed lines: {preview})")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reconciler.crdgen", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("crds"), help="output directory (default: crds)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files differ")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if args.check:
        problems = differences(args.dir)
        for line in problems:
            print(line)
        if problems:
            print("run `python -m reconciler.crdgen` (or `make crds`) and commit crds/", file=sys.stderr)
            return 1
        print(f"{args.dir}: up to date")
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, text in render_crds().items():
        (args.dir / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.dir / name} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
