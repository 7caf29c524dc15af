"""No spec edit is silently ignored: every member of the spec, edited after the job exists, is either
applied (tags: the one thing SageMaker changes on a tuning job) or refused naming its path.

The walk goes over every leaf of a spec that sets most of the CRD's spec schema
(tests/awsmodel/representative_spec.yaml), each edited to another value the CRD schema, SageMaker's
offline rules and the API model accept (the value a user could really apply). The job is created in
the SageMaker simulator and described over the wire; each edited spec's request is compared with that
description by `core.delta` (what makes the reconciler refuse the edit with the path) and its tags
by `core.tags` (what the reconciler applies with AddTags / DeleteTags).
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.config import Config

from reconciler import awsmodel
from reconciler.core.delta import Delta, job_delta
from reconciler.core.model import FINALIZER, HyperparameterTuningJob
from reconciler.core.naming import derived_job_name
from reconciler.core.tags import tag_changes
from reconciler.core.tracking import track, with_moved
from reconciler.sandbox.sagemaker import SageMakerSandbox
from reconciler.tools.validate import Outcome, builtin_crd_schemas, run

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "awsmodel" / "representative_spec.yaml"
# Members of the resource, not of the SageMaker request: where and which job, decided by the engine.
IDENTITY_MEMBERS = ("region", "sageMakerEndpoint", "hyperParameterTuningJobName")
Path_ = tuple[str | int, ...]


def _leaves(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _schema_at(schema: dict[str, Any], path: Path_) -> dict[str, Any]:
    node = schema
    for step in path:
        node = node["items"] if isinstance(step, int) else node["properties"][step]
    return node


def _text(path: Path_) -> str:
    out = "spec"
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out


def _candidates(value: Any, node: dict[str, Any]) -> list[Any]:
    """Other values for a member, most plausible first."""
    if "enum" in node:
        return [v for v in node["enum"] if v != value]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, value * 2]
    if isinstance(value, float):
        return [value / 2, value * 2]
    text = str(value)
    if re.fullmatch(r"-?\d+", text):
        return [str(int(text) + 1), str(int(text) - 1)]
    if re.fullmatch(r"-?\d+\.\d+", text):
        return [str(float(text) / 2), str(float(text) * 1.5)]
    out = []
    for swap in ("1", "2", "b", "x"):
        out.append(re.sub(r"[0-9a-z](?=[^0-9a-z]*$)", swap, text, count=1))
    return [c for c in [*out, text + "x", text + "2"] if c != text]


def _same_member(edited: str, changed: str) -> bool:
    """Whether the delta's path names the edited member (or an object holding it). A map member
    (`staticHyperParameters`, `environment`: name/value entries in the spec) is keyed by name in the
    delta (`staticHyperParameters[eta]`) and by position in the spec (`staticHyperParameters[0]`)."""
    if edited.startswith(changed) or changed.startswith(edited):
        return True
    container = re.split(r"\[", edited, maxsplit=1)[0]
    return changed.startswith(container + "[") and not re.match(r"\d", changed[len(container) + 1 :])


def _set(spec: dict[str, Any], path: Path_, value: Any) -> None:
    target: Any = spec
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _valid(spec: dict[str, Any]) -> bool:
    document = {
        "apiVersion": "sagemaker.aws.amazon.com/v1",
        "kind": "HyperparameterTuningJob",
        "metadata": {"name": "edits", "namespace": "default"},
        "spec": spec,
    }
    out = io.StringIO()
    outcome = run(
        ["-"], stdout=out, stderr=io.StringIO(), stdin=io.BytesIO(yaml.safe_dump(document).encode())
    )
    return outcome is Outcome.VALID


@pytest.fixture(scope="module")
def created() -> Iterator[tuple[dict[str, Any], dict[str, Any], list[dict[str, str]]]]:
    """(spec, DescribeHyperParameterTuningJob of its job, ListTags of it) from the simulator."""
    spec: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    # A user's own `_`-named hyperparameter (linear-learner's `_kvstore`): an edit of it counts too.
    spec["trainingJobDefinition"]["staticHyperParameters"].append({"name": "_kvstore", "value": "auto"})
    with SageMakerSandbox(time_scale=0.0) as sandbox:
        env = sandbox.env()
        client = boto3.client(
            "sagemaker",
            endpoint_url=env["AWS_ENDPOINT_URL_SAGEMAKER"],
            region_name="us-east-2",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )
        parent = copy.deepcopy(spec)
        del parent["warmStartConfig"]
        client.create_hyper_parameter_tuning_job(
            **awsmodel.spec_to_request(parent, job_name="previous-tuning")
        )
        sandbox.advance(24 * 3600)  # the warm start parent has ended
        request = awsmodel.spec_to_request(spec, job_name=spec["hyperParameterTuningJobName"])
        client.create_hyper_parameter_tuning_job(**request)
        description = client.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=request["HyperParameterTuningJobName"]
        )
        tags = client.list_tags(ResourceArn=description["HyperParameterTuningJobArn"])["Tags"]
        yield spec, description, tags


def _edit(spec: dict[str, Any], path: Path_, schema: dict[str, Any]) -> dict[str, Any] | None:
    original = spec
    for step in path:
        original = original[step]  # type: ignore[index]
    for candidate in _candidates(original, _schema_at(schema, path)):
        edited = copy.deepcopy(spec)
        _set(edited, path, candidate)
        if _valid(edited):
            return edited
    return None


def test_every_spec_member_edit_is_applied_or_refused_with_its_path(
    created: tuple[dict[str, Any], dict[str, Any], list[dict[str, str]]],
) -> None:
    spec, description, tags = created
    schema = builtin_crd_schemas()["HyperparameterTuningJob"]["properties"]["spec"]
    assert _valid(spec) and not job_delta(
        awsmodel.spec_to_request(spec, job_name="x"), description, defaults=awsmodel.API_DEFAULTS
    ), "the unedited spec is in sync with its job"
    assert not tag_changes(awsmodel.spec_to_request(spec, job_name="x")["Tags"], tags)
    walked, not_editable, ignored = [], [], []
    for path in _leaves(spec):
        if path[0] in IDENTITY_MEMBERS:
            continue
        edited = _edit(spec, path, schema)
        if edited is None:
            not_editable.append(_text(path))
            continue
        walked.append(_text(path))
        request = awsmodel.spec_to_request(edited, job_name="x")
        if path[0] == "tags":
            assert tag_changes(request["Tags"], tags), f"{_text(path)}: the tag edit would not be applied"
            continue
        delta = job_delta(request, description, defaults=awsmodel.API_DEFAULTS)
        where = _text(path).removeprefix("spec.")
        if not any(_same_member(where, p) for p in delta.paths):
            ignored.append(f"{_text(path)} (delta: {delta.paths})")
    assert ignored == [], f"edits nobody would notice: {ignored}"
    assert len(walked) >= 55, (len(walked), not_editable)  # guards the walk itself
    assert len(not_editable) <= len(walked) // 10, f"members no valid edit was found for: {not_editable}"



# The identity members are not part of the request: an edit of one names another job than the one the
# resource tracks, which `core.tracking` reports as moved and the engine refuses with that path.
IDENTITY_EDITS = {
    "region": "us-west-2",
    "sageMakerEndpoint": "https://sagemaker.other.example",
    "hyperParameterTuningJobName": "another-job-name",
}
UID = "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"
RECORDED_JOB = derived_job_name(resource_name="xgboost-hpo", uid=UID)


def _moved(spec: dict[str, Any]) -> frozenset[str]:
    """What `track` finds moved for a resource whose job was created from `spec` in us-east-2."""
    arn = f"arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/{RECORDED_JOB}"
    resource = HyperparameterTuningJob.parse(
        {
            "metadata": {"name": "xgboost-hpo", "namespace": "default", "uid": UID, "generation": 2,
                         "finalizers": [FINALIZER]},
            "spec": spec,
            "status": {
                "hyperParameterTuningJobArn": arn,
                "sageMakerHyperParameterTuningJobName": RECORDED_JOB,
            },
        }
    )
    return track(resource, default_region="us-east-2", allow_custom_endpoints=True).moved


@pytest.mark.parametrize("member", IDENTITY_MEMBERS)
def test_an_identity_member_edited_after_creation_is_refused_by_its_path(member: str) -> None:
    spec = {**yaml.safe_load(SPEC.read_text()), "region": "us-east-2"}
    for identity in IDENTITY_MEMBERS[1:]:
        spec.pop(identity, None)
    assert set(IDENTITY_EDITS) == set(IDENTITY_MEMBERS)
    assert _moved(spec) == frozenset()  # as created: nothing moved
    moved = _moved({**spec, member: IDENTITY_EDITS[member]})
    assert moved == frozenset({member})
    assert member in with_moved(Delta(), moved).paths
