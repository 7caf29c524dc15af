"""Validation parity for every simulated operation, with requests generated from botocore's input shapes.

For each operation the simulator serves (besides CreateHyperParameterTuningJob, which has its own
corpus in test_validation.py), hypothesis builds JSON bodies from the operation's input shape --
values inside and outside each member's constraints, wrong types, missing required members -- and
posts them over raw HTTP, so botocore's client-side checks cannot filter them out. The simulator
must answer exactly `validation_error_message(check_input(...))` when the model check finds
violations, and otherwise never a constraint message and never a 500.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler.awsmodel import check_input, validation_error_message
from reconciler.sandbox.sagemaker import SageMakerSandbox
from tests.sandbox_sagemaker.conftest import client_at, post_json

OPERATIONS = [
    "DescribeHyperParameterTuningJob",
    "ListHyperParameterTuningJobs",
    "StopHyperParameterTuningJob",
    "DeleteHyperParameterTuningJob",
    "ListTrainingJobsForHyperParameterTuningJob",
    "DescribeTrainingJob",
    "ListTrainingJobs",
    "StopTrainingJob",
    "AddTags",
    "ListTags",
]
NAMES = ["xgboost-mnist-hpo", "xgboost-mnist-hpo-001-00000000", "Name", "a" * 70, "bad name", ""]


@functools.cache
def _model() -> Any:
    return botocore.session.get_session().get_service_model("sagemaker")


def _text(shape: Any) -> st.SearchStrategy[Any]:
    enum = shape.enum or []
    low = shape.metadata.get("min", 0)
    high = shape.metadata.get("max", 80)
    choices: list[st.SearchStrategy[Any]] = [
        st.sampled_from(NAMES),
        st.text(alphabet="abcXYZ019-_:/. ", min_size=max(0, low - 1), max_size=min(high + 2, 300)),
    ]
    if enum:
        choices.insert(0, st.sampled_from([*enum, "NotAValue"]))
    if shape.name in ("ResourceArn",):
        choices.insert(
            0,
            st.sampled_from(
                ["arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/xgboost-mnist-hpo"]
            ),
        )
    return st.one_of(*choices)


def _value(shape: Any, depth: int) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "string":
        return _text(shape)
    if kind in ("integer", "long"):
        low = shape.metadata.get("min", 0)
        high = shape.metadata.get("max", 1000)
        return st.integers(min_value=low - 2, max_value=min(high + 2, 10**6))
    if kind in ("float", "double"):
        return st.floats(min_value=-10, max_value=1e6, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.floats(min_value=0, max_value=2e9, allow_nan=False)
    if depth <= 0:
        return st.none()
    if kind == "list":
        return st.lists(_value(shape.member, depth - 1), max_size=3)
    if kind == "map":
        return st.dictionaries(_text(shape.key), _value(shape.value, depth - 1), max_size=3)
    return _structure(shape, depth - 1)


def _structure(shape: Any, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    members = {name: _value(member, depth) for name, member in shape.members.items()}
    required = set(shape.required_members)
    optional = {name: strategy for name, strategy in members.items() if name not in required}
    # Mostly complete (required members present), sometimes any subset: missing members are tested too.
    complete = st.fixed_dictionaries({name: members[name] for name in required}, optional=optional)
    return st.one_of(complete, complete, st.fixed_dictionaries({}, optional=members))


def _junk() -> st.SearchStrategy[Any]:
    return st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2), st.booleans())


def _request(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    shape = _model().operation_model(operation).input_shape
    well_typed = _structure(shape, depth=3)
    # Now and then a member of the wrong type, which boto3 would never send but a raw client can.
    return st.one_of(
        well_typed,
        st.tuples(well_typed, st.sampled_from(list(shape.members)), _junk()).map(
            lambda t: {**t[0], t[1]: t[2]}
        ),
    )


@pytest.fixture(scope="module")
def served(sample_request: Any) -> Iterator[SageMakerSandbox]:

    with SageMakerSandbox(time_scale=0.0) as sb:
        client = client_at(sb.url)
        client.create_hyper_parameter_tuning_job(**sample_request())
        yield sb


def _post(sandbox: SageMakerSandbox, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, payload = post_json(sandbox, f"SageMaker.{operation}", body)
    return status, payload


@st.composite
def _case(draw: Any) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(OPERATIONS))
    return operation, draw(_request(operation))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_case())
def test_every_operation_validates_like_the_model(
    served: SageMakerSandbox, case: tuple[str, dict[str, Any]]
) -> None:
    operation, body = case
    violations = check_input(operation, body)
    status, payload = _post(served, operation, body)
    event(f"{'invalid' if violations else 'valid'} -> {payload.get('__type', 'ok')}")
    assert status < 500, payload
    if violations:
        assert (status, payload) == (
            400,
            {"__type": "ValidationException", "message": validation_error_message(violations)},
        )
    else:
        assert "failed to satisfy constraint" not in payload.get("message", "")
