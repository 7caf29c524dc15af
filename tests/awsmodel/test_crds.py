"""The generated CRDs: committed == generated, structure, constraints, printer columns, status."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import kubernetes_validate
import pytest
import yaml

from reconciler.awsmodel import camel, spec_to_request
from reconciler.awsmodel.loader import botocore_version, shape
from reconciler.awsmodel.schema import resource_schema
from reconciler.tools import crdgen

# The representative spec lives beside the tests (no conftest.py: mypy sees one `conftest`
# module per folder); each test gets a fresh copy it may change.
ROOT = Path(__file__).resolve().parents[2]
CRD_DIR = ROOT / "crds"
FILES = {"HyperparameterTuningJob": "hyperparametertuningjob.yaml", "TrainingJob": "trainingjob.yaml"}


@functools.cache
def load(kind: str) -> dict[str, Any]:
    """The committed CRD (parsed once per test session; tests only read it)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document: dict[str, Any] = yaml.load((CRD_DIR / FILES[kind]).read_text(encoding="utf-8"), Loader=loader)
    return document


def version(kind: str) -> dict[str, Any]:
    versions: list[dict[str, Any]] = load(kind)["spec"]["versions"]
    assert len(versions) == 1
    return versions[0]


def root_schema(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = version(kind)["schema"]["openAPIV3Schema"]
    return schema


def nodes(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path, schema
    for name, child in schema.get("properties", {}).items():
        yield from nodes(child, f"{path}.{name}")
    if "items" in schema:
        yield from nodes(schema["items"], f"{path}[]")


# --- committed == generated, reproducibly -----------------------------------------------------------


def test_committed_crds_are_exactly_the_generator_output() -> None:
    problems = crdgen.differences(CRD_DIR)
    assert problems == [], "crds/ is stale: run `python -m reconciler.tools.crdgen` and commit\n" + "\n".join(
        problems
    )


def test_generator_output_is_byte_reproducible() -> None:
    assert crdgen.render_crds() == crdgen.render_crds()


def test_header_records_the_pinned_botocore_release() -> None:
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    assert f"botocore=={botocore_version()}" in pins
    for name in FILES.values():
        first_line = (CRD_DIR / name).read_text(encoding="utf-8").splitlines()[0]
        assert f"botocore {botocore_version()}" in first_line


def test_check_mode_exits_1_with_a_summary_when_a_file_differs(tmp_path: Path) -> None:
    assert crdgen.main(["--dir", str(tmp_path)]) == 0
    assert crdgen.main(["--dir", str(tmp_path), "--check"]) == 0
    target = tmp_path / FILES["TrainingJob"]
    target.write_text(
        target.read_text(encoding="utf-8").replace("name: Objective", "name: Score"), encoding="utf-8"
    )
    (tmp_path / FILES["HyperparameterTuningJob"]).unlink()
    result = subprocess.run(
        [sys.executable, "-m", "reconciler.tools.crdgen", "--dir", str(tmp_path), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert f"{tmp_path / FILES['HyperparameterTuningJob']}: missing" in result.stdout
    assert "trainingjob.yaml: differs from the generator (2 changed lines" in result.stdout
    assert "name: Score" in result.stdout and "Traceback" not in result.stderr
    assert crdgen.main(["--no-such-flag"]) == 2


def test_pattern_report_matches_the_list_documented_in_the_generator() -> None:
    assert crdgen.actual_pattern_report() == crdgen.EXPECTED_PATTERN_REPORT
    for name in crdgen.EXPECTED_PATTERN_REPORT:
        assert name in (crdgen.__doc__ or "")


# --- size: kubectl apply keeps the object in a 256 KiB annotation ------------------------------------


@pytest.mark.parametrize("kind", FILES)
def test_each_crd_file_stays_under_200_kb(kind: str) -> None:
    size = (CRD_DIR / FILES[kind]).stat().st_size
    assert size < 200_000, size
    assert len(json.dumps(load(kind), separators=(",", ":"))) < 256 * 1024


# --- what the API server requires -------------------------------------------------------------------


@pytest.mark.parametrize("kind", FILES)
def test_crd_passes_kubernetes_validate_for_the_apiextensions_v1_schema(kind: str) -> None:
    kubernetes_validate.validate(load(kind), "1.32.0", strict=True)


@pytest.mark.parametrize("kind", FILES)
def test_schema_is_structural(kind: str) -> None:
    for path, node in nodes(root_schema(kind)):
        if node.get("x-kubernetes-preserve-unknown-fields"):
            continue
        assert "type" in node, path
        assert "additionalProperties" not in node, path
        if node.get("x-kubernetes-list-type") == "map":
            assert node["type"] == "array" and node["items"]["type"] == "object", path
            for key in node["x-kubernetes-list-map-keys"]:
                assert key in node["items"].get("required", []), (path, key)
        for name in node.get("required", []):
            assert name in node["properties"], (path, name)
        if "enum" in node:
            assert node["type"] == "string" and all(isinstance(v, str) for v in node["enum"]), path


@pytest.mark.parametrize("kind", FILES)
def test_every_pattern_is_valid_and_free_of_lookaround_and_backreferences(kind: str) -> None:
    patterns = [node["pattern"] for _, node in nodes(root_schema(kind)) if "pattern" in node]
    assert len(patterns) > 10
    for pattern in patterns:
        re.compile(pattern)
        assert not re.search(r"\(\?<?[=!]|\\[1-9]|\\k<|\\p\{", pattern), pattern


def test_recursive_shapes_are_cut_with_preserve_unknown_fields() -> None:
    # SearchExpression contains SubExpressions: [SearchExpression] - the model's recursive shape.
    schema = resource_schema("SearchExpression")
    assert schema["properties"]["subExpressions"] == {
        "type": "array",
        "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "minItems": 1,
        "maxItems": 20,
        "description": "A list of search expression objects.",
    }
    # The cut is only at the recursion point: the first level keeps its full schema.
    assert schema["properties"]["filters"]["items"]["properties"]["name"]["type"] == "string"


# --- the spec: every member of the API input, with its constraints ----------------------------------


def _walk_shape(shape_name: str, schema: dict[str, Any], path: str, stack: tuple[str, ...]) -> Iterator[str]:
    """Yield a problem for every member of the shape (all depths) the schema cannot hold."""
    spec = shape(shape_name)
    if shape_name in stack:
        if not schema.get("x-kubernetes-preserve-unknown-fields") and not schema.get("items", {}).get(
            "x-kubernetes-preserve-unknown-fields"
        ):
            yield f"{path}: recursion not cut"
        return
    inner = (*stack, shape_name)
    if spec["type"] == "structure":
        for member, ref in spec["members"].items():
            child = schema.get("properties", {}).get(camel(member))
            if child is None:
                yield f"{path}.{camel(member)}: missing"
            else:
                yield from _walk_shape(ref["shape"], child, f"{path}.{camel(member)}", inner)
    elif spec["type"] == "list":
        if schema.get("type") != "array":
            yield f"{path}: not an array"
        else:
            yield from _walk_shape(spec["member"]["shape"], schema["items"], f"{path}[]", inner)
    elif spec["type"] == "map":
        entry = schema.get("items", {}).get("properties", {})
        if schema.get("x-kubernetes-list-map-keys") != ["name"] or set(entry) != {"name", "value"}:
            yield f"{path}: map not a [{{name, value}}] list-map"
        else:
            yield from _walk_shape(spec["key"]["shape"], entry["name"], f"{path}[].name", inner)
            yield from _walk_shape(spec["value"]["shape"], entry["value"], f"{path}[].value", inner)
    else:
        yield from _scalar_problems(spec, schema, path)


def _scalar_problems(spec: Mapping[str, Any], schema: dict[str, Any], path: str) -> Iterator[str]:
    expected_type = {
        "string": "string",
        "integer": "integer",
        "long": "integer",
        "float": "number",
        "double": "number",
        "boolean": "boolean",
        "timestamp": "string",
        "blob": "string",
    }[spec["type"]]
    if schema.get("type") != expected_type:
        yield f"{path}: type {schema.get('type')} != {expected_type}"
    if spec["type"] == "string":
        if "max" in spec and schema.get("maxLength") != spec["max"]:
            yield f"{path}: maxLength"
        if spec.get("min") and schema.get("minLength") != spec["min"]:
            yield f"{path}: minLength"
        if "enum" in spec and schema.get("enum") != spec["enum"]:
            yield f"{path}: enum"
        if (
            "pattern" in spec
            and "pattern" not in schema
            and shape_name_of(spec) not in crdgen.EXPECTED_PATTERN_REPORT
        ):
            yield f"{path}: pattern dropped"
    elif expected_type in ("integer", "number"):
        if "min" in spec and schema.get("minimum") != spec["min"]:
            yield f"{path}: minimum"
        if "max" in spec and schema.get("maximum") != spec["max"]:
            yield f"{path}: maximum"


def shape_name_of(spec: Mapping[str, Any]) -> str:
    from reconciler.awsmodel.loader import shapes

    return next(name for name, candidate in shapes().items() if candidate is spec)


def test_every_member_of_the_create_request_is_in_the_hpo_schema_with_its_constraints() -> None:
    spec_schema = root_schema("HyperparameterTuningJob")["properties"]["spec"]
    problems = list(_walk_shape("CreateHyperParameterTuningJobRequest", spec_schema, "spec", ()))
    assert problems == []
    # And the walk really went deep: a few members at depth 4-6.
    definition = spec_schema["properties"]["trainingJobDefinition"]["properties"]
    s3 = definition["inputDataConfig"]["items"]["properties"]["dataSource"]["properties"]["s3DataSource"]
    assert s3["properties"]["s3Uri"]["maxLength"] == 1024
    assert definition["resourceConfig"]["properties"]["volumeSizeInGB"]["type"] == "integer"


def test_every_member_of_create_training_job_is_in_the_training_job_schema() -> None:
    spec_schema = root_schema("TrainingJob")["properties"]["spec"]
    assert list(_walk_shape("CreateTrainingJobRequest", spec_schema, "spec", ())) == []
    members = {camel(m) for m in shape("CreateTrainingJobRequest")["members"]}
    assert set(spec_schema["properties"]) == members | {"region", "sageMakerEndpoint"}
    assert "required" not in spec_schema
    hyper = spec_schema["properties"]["hyperParameters"]
    assert hyper["x-kubernetes-list-map-keys"] == ["name"]


def test_hpo_spec_has_the_cr_only_fields_and_optional_job_name() -> None:
    spec_schema = root_schema("HyperparameterTuningJob")["properties"]["spec"]
    properties = spec_schema["properties"]
    name = properties["hyperParameterTuningJobName"]
    assert name["maxLength"] == 32 and name["pattern"] == "^(?:[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31})$"
    assert properties["region"]["type"] == "string" and properties["sageMakerEndpoint"]["type"] == "string"
    assert spec_schema["required"] == ["hyperParameterTuningJobConfig"]
    assert root_schema("HyperparameterTuningJob")["required"] == ["spec"]
    definition = properties["trainingJobDefinition"]["properties"]
    assert definition["staticHyperParameters"]["x-kubernetes-list-type"] == "map"
    assert definition["staticHyperParameters"]["maxItems"] == 100
    assert properties["tags"]["x-kubernetes-list-map-keys"] == ["key"]
    assert properties["tags"]["maxItems"] == 50
    assert properties["trainingJobDefinitions"]["minItems"] == 1


def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = root_schema(kind)["properties"]["spec"]
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def test_schema_accepts_the_representative_spec(spec: dict[str, Any]) -> None:
    assert [e.message for e in _validator("HyperparameterTuningJob").iter_errors(spec)] == []


@pytest.mark.parametrize(
    ("path", "value", "message_part"),
    [
        (
            ("hyperParameterTuningJobConfig", "resourceLimits", "maxParallelTrainingJobs"),
            0,
            "less than the minimum",
        ),
        (("hyperParameterTuningJobConfig", "strategy"), "Genetic", "is not one of"),
        (("hyperParameterTuningJobName",), "bad_name", "does not match"),
        (("region",), "Ohio", "does not match"),
        (("trainingJobDefinition", "resourceConfig", "volumeSizeInGB"), "5", "is not of type 'integer'"),
    ],
)
def test_schema_rejects_what_sagemaker_rejects(
    spec: dict[str, Any], path: tuple[str, ...], value: Any, message_part: str
) -> None:
    target = spec
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    messages = [e.message for e in _validator("HyperparameterTuningJob").iter_errors(spec)]
    assert len(messages) == 1 and message_part in messages[0], messages


def test_request_of_a_schema_valid_spec_is_what_botocore_accepts(spec: dict[str, Any]) -> None:
    import botocore.session
    import botocore.validate

    model = botocore.session.get_session().get_service_model("sagemaker")
    report = botocore.validate.ParamValidator().validate(
        spec_to_request(spec, job_name="j1"),
        model.operation_model("CreateHyperParameterTuningJob").input_shape,
    )
    assert not report.has_errors(), report.generate_report()


# --- names, columns, status: the contract with kubectl users ------------------------------------------


@pytest.mark.parametrize(
    ("kind", "plural", "short"),
    [("HyperparameterTuningJob", "hyperparametertuningjobs", "hpo"), ("TrainingJob", "trainingjobs", "tj")],
)
def test_names_scope_and_subresources(kind: str, plural: str, short: str) -> None:
    crd = load(kind)
    assert crd["apiVersion"] == "apiextensions.k8s.io/v1"
    assert crd["metadata"]["name"] == f"{plural}.sagemaker.aws.amazon.com"
    assert crd["spec"]["group"] == "sagemaker.aws.amazon.com"
    assert crd["spec"]["scope"] == "Namespaced"
    assert crd["spec"]["names"] == {
        "kind": kind,
        "listKind": f"{kind}List",
        "plural": plural,
        "singular": kind.lower(),
        "shortNames": [short],
        "categories": ["sagemaker"],
    }
    v1 = version(kind)
    assert (v1["name"], v1["served"], v1["storage"], v1["subresources"]) == ("v1", True, True, {"status": {}})


def column(name: str, kind: str, json_path: str, **extra: Any) -> dict[str, Any]:
    """One additionalPrinterColumns entry as the CRD must spell it."""
    return {"name": name, "type": kind, "jsonPath": json_path, **extra}


CREATION_TIME = column("Creation-Time", "string", ".metadata.creationTimestamp", format="date-time")
COUNTERS = ".status.trainingJobStatusCounters"


def test_hpo_printer_columns_exactly() -> None:
    ready = '.status.conditions[?(@.type=="Ready")]'
    assert version("HyperparameterTuningJob")["additionalPrinterColumns"] == [
        column("Status", "string", ".status.hyperParameterTuningJobStatus"),
        CREATION_TIME,
        column("Completed", "integer", f"{COUNTERS}.completed"),
        column("InProgress", "integer", f"{COUNTERS}.inProgress"),
        column("Errors", "integer", f"{COUNTERS}.totalError"),
        column("Stopped", "integer", f"{COUNTERS}.stopped"),
        column("Best-Training-Job", "string", ".status.bestTrainingJob.trainingJobName"),
        column("Sagemaker-Job-Name", "string", ".status.sageMakerHyperParameterTuningJobName"),
        # After the legacy columns: who needs a person (empty otherwise).
        column("Stalled", "string", '.status.conditions[?(@.type=="Stalled")].reason'),
        column("Ready", "string", f"{ready}.status", priority=1),
        column("Reason", "string", f"{ready}.reason", priority=1),
    ]


def test_training_job_printer_columns_exactly() -> None:
    assert version("TrainingJob")["additionalPrinterColumns"] == [
        column("Status", "string", ".status.trainingJobStatus"),
        column("Secondary-Status", "string", ".status.secondaryStatus"),
        CREATION_TIME,
        column("Sagemaker-Job-Name", "string", ".status.sageMakerTrainingJobName"),
        column(
            "Objective", "number", ".status.finalHyperParameterTuningJobObjectiveMetric.value", priority=1
        ),
        column("Definition", "string", ".status.trainingJobDefinitionName", priority=1),
    ]


def _types(schema: dict[str, Any]) -> dict[str, str]:
    return {name: node["type"] for name, node in schema["properties"].items()}


def test_hpo_status_schema() -> None:
    status = root_schema("HyperparameterTuningJob")["properties"]["status"]
    assert _types(status) == {
        "hyperParameterTuningJobStatus": "string",
        "sageMakerHyperParameterTuningJobName": "string",
        "hyperParameterTuningJobArn": "string",
        "failureReason": "string",
        "additional": "string",
        "lastCheckTime": "string",
        "observedGeneration": "integer",
        "trainingJobStatusCounters": "object",
        "bestTrainingJob": "object",
        "conditions": "array",
    }
    props = status["properties"]
    assert (
        props["lastCheckTime"]["format"] == "date-time" and props["observedGeneration"]["format"] == "int64"
    )
    assert _types(props["trainingJobStatusCounters"]) == dict.fromkeys(
        ["completed", "inProgress", "nonRetryableError", "retryableError", "stopped", "totalError"], "integer"
    )
    best = props["bestTrainingJob"]["properties"]
    assert set(best) == {
        "trainingJobName",
        "trainingJobArn",
        "trainingJobDefinitionName",
        "trainingJobStatus",
        "creationTime",
        "trainingStartTime",
        "trainingEndTime",
        "objectiveStatus",
        "finalHyperParameterTuningJobObjectiveMetric",
        "tunedHyperParameters",
    }
    assert _types(best["finalHyperParameterTuningJobObjectiveMetric"]) == {
        "metricName": "string",
        "value": "number",
    }
    assert _types(best["tunedHyperParameters"]["items"]) == {"name": "string", "value": "string"}
    _assert_conditions(props["conditions"])


def _assert_conditions(conditions: dict[str, Any]) -> None:
    assert conditions["x-kubernetes-list-type"] == "map" and conditions["x-kubernetes-list-map-keys"] == [
        "type"
    ]
    item = conditions["items"]
    assert _types(item) == {
        "type": "string",
        "status": "string",
        "reason": "string",
        "message": "string",
        "lastTransitionTime": "string",
        "observedGeneration": "integer",
    }
    assert item["properties"]["status"]["enum"] == ["True", "False", "Unknown"]
    assert item["properties"]["lastTransitionTime"]["format"] == "date-time"


def test_training_job_status_schema() -> None:
    status = root_schema("TrainingJob")["properties"]["status"]
    assert set(status["properties"]) == {
        "trainingJobStatus",
        "secondaryStatus",
        "sageMakerTrainingJobName",
        "trainingJobArn",
        "trainingJobDefinitionName",
        "creationTime",
        "trainingStartTime",
        "trainingEndTime",
        "lastModifiedTime",
        "failureReason",
        "modelPath",
        "cloudWatchLogUrl",
        "finalHyperParameterTuningJobObjectiveMetric",
        "finalMetricDataList",
        "lastCheckTime",
        "additional",
        "observedGeneration",
        "conditions",
    }
    data_point = status["properties"]["finalMetricDataList"]["items"]
    assert _types(data_point) == {"metricName": "string", "value": "number", "timestamp": "string"}
    _assert_conditions(status["properties"]["conditions"])
