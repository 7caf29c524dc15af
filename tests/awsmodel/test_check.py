"""check_input: every constraint kind of the model, SageMaker's wording, parity with botocore."""

from __future__ import annotations

import copy
import re
from typing import Any

import botocore.exceptions
import botocore.session
import botocore.validate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.awsmodel import Violation, check_input, spec_to_request, validation_error_message
from tests.mutations import DELETE, apply_mutations, set_at

# The representative spec lives beside the tests (no conftest.py: mypy sees one `conftest`
# module per folder); each test gets a fresh copy it may change.
OPERATION = "CreateHyperParameterTuningJob"


@pytest.fixture
def valid_request(spec: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = spec_to_request(spec, job_name="j1")
    return request


def with_change(request: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A copy of `request` with the member at `path` set to `value` (or removed when value is DELETE)."""
    request = copy.deepcopy(request)
    set_at(request, path, value)
    return request


TJD = "TrainingJobDefinition"
CONFIG = "HyperParameterTuningJobConfig"

# (change, expected violations) - one row per constraint kind the model declares.
CASES: list[tuple[str, tuple[Any, ...], Any, list[Violation]]] = [
    (
        "required member missing",
        (TJD, "RoleArn"),
        DELETE,
        [Violation("trainingJobDefinition.roleArn", None, "Member must not be null")],
    ),
    (
        "required member null",
        (CONFIG, "Strategy"),
        None,
        [Violation("hyperParameterTuningJobConfig.strategy", None, "Member must not be null")],
    ),
    (
        "string too long",
        ("HyperParameterTuningJobName",),
        "a" * 33,
        [
            Violation(
                "hyperParameterTuningJobName", "a" * 33, "Member must have length less than or equal to 32"
            ),
            Violation(
                "hyperParameterTuningJobName",
                "a" * 33,
                "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}",
            ),
        ],
    ),
    (
        "string too short",
        (TJD, "RoleArn"),
        "arn:aws:iam::1:role",
        [
            Violation(
                "trainingJobDefinition.roleArn",
                "arn:aws:iam::1:role",
                "Member must have length greater than or equal to 20",
            ),
            Violation(
                "trainingJobDefinition.roleArn",
                "arn:aws:iam::1:role",
                "Member must satisfy regular expression pattern: "
                "^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
            ),
        ],
    ),
    (
        "pattern",
        ("HyperParameterTuningJobName",),
        "bad_name",
        [
            Violation(
                "hyperParameterTuningJobName",
                "bad_name",
                "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}",
            )
        ],
    ),
    (
        "enum",
        (CONFIG, "Strategy"),
        "Genetic",
        [
            Violation(
                "hyperParameterTuningJobConfig.strategy",
                "Genetic",
                "Member must satisfy enum value set: [Bayesian, Random, Hyperband, Grid]",
            )
        ],
    ),
    (
        "value below minimum",
        (CONFIG, "ResourceLimits", "MaxParallelTrainingJobs"),
        0,
        [
            Violation(
                "hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs",
                0,
                "Member must have value greater than or equal to 1",
            )
        ],
    ),
    (
        "value above maximum",
        (CONFIG, "ResourceLimits", "MaxRuntimeInSeconds"),
        15768001,
        [
            Violation(
                "hyperParameterTuningJobConfig.resourceLimits.maxRuntimeInSeconds",
                15768001,
                "Member must have value less than or equal to 15768000",
            )
        ],
    ),
    (
        "list too short",
        (TJD, "VpcConfig", "Subnets"),
        [],
        [
            Violation(
                "trainingJobDefinition.vpcConfig.subnets",
                [],
                "Member must have length greater than or equal to 1",
            )
        ],
    ),
    (
        "list too long",
        ("Tags",),
        [{"Key": f"k{i}", "Value": "v"} for i in range(51)],
        [
            Violation(
                "tags",
                [{"Key": f"k{i}", "Value": "v"} for i in range(51)],
                "Member must have length less than or equal to 50",
            )
        ],
    ),
    (
        "structure list item member",
        ("Tags",),
        [{"Key": "ok", "Value": "v"}, {"Key": "", "Value": "v"}],
        [Violation("tags.2.member.key", "", "Member must have length greater than or equal to 1")],
    ),
    (
        "unicode-class pattern of a list item",
        ("Tags",),
        [{"Key": "naïve café 1", "Value": "ok"}, {"Key": "no#hash", "Value": "v"}],
        [
            Violation(
                "tags.2.member.key",
                "no#hash",
                "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)",
            )
        ],
    ),
    (
        "scalar list item",
        (TJD, "VpcConfig", "SecurityGroupIds"),
        ["sg-1", "sg_2"],
        [
            Violation(
                "trainingJobDefinition.vpcConfig.securityGroupIds",
                ["sg-1", "sg_2"],
                "Member must satisfy constraint: [Member must have length less than or equal to 32, "
                "Member must have length greater than or equal to 0, "
                "Member must satisfy regular expression pattern: ^[-0-9a-zA-Z]+]",
            )
        ],
    ),
    (
        "map value",
        (TJD, "StaticHyperParameters"),
        {"k": "v" * 2501},
        [
            Violation(
                "trainingJobDefinition.staticHyperParameters",
                {"k": "v" * 2501},
                "Map value must satisfy constraint: [Member must have length less than or equal to 2500, "
                "Member must have length greater than or equal to 0, "
                "Member must satisfy regular expression pattern: ^.*]",
            )
        ],
    ),
    (
        "map key",
        (TJD, "Environment"),
        {"1BAD": "v"},
        [
            Violation(
                "trainingJobDefinition.environment",
                {"1BAD": "v"},
                "Map keys must satisfy constraint: [Member must have length less than or equal to 512, "
                "Member must have length greater than or equal to 0, "
                "Member must satisfy regular expression pattern: ^[a-zA-Z_][a-zA-Z0-9_]*]",
            )
        ],
    ),
    (
        "map too large",
        (TJD, "Environment"),
        {f"K{i}": "v" for i in range(49)},
        [
            Violation(
                "trainingJobDefinition.environment",
                {f"K{i}": "v" for i in range(49)},
                "Member must have length less than or equal to 48",
            )
        ],
    ),
    (
        "wrong scalar type",
        (TJD, "ResourceConfig", "VolumeSizeInGB"),
        "5",
        [
            Violation(
                "trainingJobDefinition.resourceConfig.volumeSizeInGB", "5", "Member must be of type integer"
            )
        ],
    ),
    (
        "boolean is not an integer",
        (TJD, "ResourceConfig", "InstanceCount"),
        True,
        [
            Violation(
                "trainingJobDefinition.resourceConfig.instanceCount", True, "Member must be of type integer"
            )
        ],
    ),
    (
        "wrong container type",
        (TJD, "InputDataConfig"),
        {"ChannelName": "train"},
        [
            Violation(
                "trainingJobDefinition.inputDataConfig",
                {"ChannelName": "train"},
                "Member must be of type list",
            )
        ],
    ),
    (
        "unknown member",
        (TJD, "ResourceConfig", "VolumeSizeInGb"),
        5,
        [
            Violation(
                "trainingJobDefinition.resourceConfig.volumeSizeInGb", 5, "Member is not a recognized field"
            )
        ],
    ),
]


@pytest.mark.parametrize(("change", "expected"), [(c[1:3], c[3]) for c in CASES], ids=[c[0] for c in CASES])
def test_each_constraint_kind_is_reported(
    valid_request: dict[str, Any], change: tuple[tuple[Any, ...], Any], expected: list[Violation]
) -> None:
    path, value = change
    assert check_input(OPERATION, with_change(valid_request, path, value)) == expected


def test_every_violation_is_reported_not_just_the_first(valid_request: dict[str, Any]) -> None:
    request = with_change(valid_request, ("HyperParameterTuningJobName",), "bad_name")
    request[CONFIG]["Strategy"] = "Genetic"
    del request[TJD]["RoleArn"]
    paths = [v.path for v in check_input(OPERATION, request)]
    assert paths == [
        "hyperParameterTuningJobName",
        "hyperParameterTuningJobConfig.strategy",
        "trainingJobDefinition.roleArn",
    ]


def test_other_operations_are_checked_against_their_own_input_shape() -> None:
    assert check_input("DescribeHyperParameterTuningJob", {"HyperParameterTuningJobName": "ok-1"}) == []
    assert check_input("DescribeTrainingJob", {}) == [
        Violation("trainingJobName", None, "Member must not be null")
    ]
    assert check_input(
        "ListTrainingJobsForHyperParameterTuningJob", {"HyperParameterTuningJobName": "a", "MaxResults": 101}
    ) == [Violation("maxResults", 101, "Member must have value less than or equal to 100")]
    with pytest.raises(KeyError):
        check_input("NoSuchOperation", {})


# --- SageMaker's message text -------------------------------------------------------------------


def test_message_for_one_violation() -> None:
    violation = Violation(
        "hyperParameterTuningJobName", "a" * 33, "Member must have length less than or equal to 32"
    )
    assert validation_error_message([violation]) == (
        "1 validation error detected: Value 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
        "at 'hyperParameterTuningJobName' failed to satisfy constraint: "
        "Member must have length less than or equal to 32"
    )


def test_message_for_several_violations_counts_them_and_joins_with_semicolons() -> None:
    violations = [
        Violation("trainingJobDefinition.roleArn", None, "Member must not be null"),
        Violation(
            "hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs",
            0,
            "Member must have value greater than or equal to 1",
        ),
    ]
    assert validation_error_message(violations) == (
        "2 validation errors detected: Value null at 'trainingJobDefinition.roleArn' "
        "failed to satisfy constraint: Member must not be null; "
        "Value '0' at 'hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs' "
        "failed to satisfy constraint: Member must have value greater than or equal to 1"
    )


def test_message_renders_values_as_java_does() -> None:
    violations = [
        Violation("a", True, "c"),
        Violation("b", ["x", "y"], "c"),
        Violation("m", {"k": "v", "n": 1}, "c"),
    ]
    message = validation_error_message(violations)
    assert "Value 'true' at 'a'" in message
    assert "Value '[x, y]' at 'b'" in message
    assert "Value '{k=v, n=1}' at 'm'" in message
    assert validation_error_message([]) == ""


# --- parity with botocore's ParamValidator --------------------------------------------------------

_VALIDATOR = botocore.validate.ParamValidator()
_INPUT_SHAPE = (
    botocore.session.get_session().get_service_model("sagemaker").operation_model(OPERATION).input_shape
)


def botocore_errors(request: dict[str, Any]) -> str:
    report = _VALIDATOR.validate(request, _INPUT_SHAPE)
    return str(report.generate_report()) if report.has_errors() else ""


def test_botocore_and_check_input_both_accept_the_valid_request(valid_request: dict[str, Any]) -> None:
    assert botocore_errors(valid_request) == ""
    assert check_input(OPERATION, valid_request) == []


# Mutations of the kinds ParamValidator checks: required, type, unknown, min length, min value, min size.
_MUTATIONS: list[tuple[tuple[Any, ...], Any]] = [
    (("HyperParameterTuningJobName",), DELETE),
    (("HyperParameterTuningJobName",), ""),
    (("HyperParameterTuningJobName",), 5),
    ((CONFIG, "Strategy"), DELETE),
    ((CONFIG, "Strategy"), ["Bayesian"]),
    ((CONFIG, "ResourceLimits", "MaxNumberOfTrainingJobs"), 0),
    ((CONFIG, "ResourceLimits", "MaxNumberOfTrainingJobs"), "10"),
    ((CONFIG, "ResourceLimits", "MaxRuntimeInSeconds"), 119),
    ((CONFIG, "ParameterRanges", "CategoricalParameterRanges", 0, "Values"), []),
    ((CONFIG, "ParameterRanges", "IntegerParameterRanges", 0, "Name"), DELETE),
    ((CONFIG, "TuningJobCompletionCriteria", "TargetObjectiveMetricValue"), "0.1"),
    ((CONFIG, "Unknown"), 1),
    ((TJD, "RoleArn"), "arn:aws:iam::1:role"),
    ((TJD, "StaticHyperParameters"), [["k", "v"]]),
    ((TJD, "InputDataConfig"), []),
    ((TJD, "InputDataConfig", 0, "ChannelName"), ""),
    ((TJD, "InputDataConfig", 0, "DataSource", "S3DataSource", "S3Uri"), DELETE),
    ((TJD, "VpcConfig", "Subnets"), []),
    ((TJD, "ResourceConfig", "VolumeSizeInGB"), 5.5),
    ((TJD, "StoppingCondition", "MaxRuntimeInSeconds"), 0),
    ((TJD, "EnableManagedSpotTraining"), "yes"),
    (("WarmStartConfig", "ParentHyperParameterTuningJobs"), []),
    (("Tags", 0, "Key"), ""),
    (("Tags", 0, "Value"), DELETE),
    (("Tags",), {"team": "ml"}),
]


@settings(
    max_examples=60,
    deadline=None,
    # The fixture is only read (deep-copied per example), so sharing it across examples is safe.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutations=st.lists(st.sampled_from(_MUTATIONS), min_size=1, max_size=4, unique_by=lambda m: m[0][:2]))
def test_whenever_botocore_rejects_a_request_check_input_does_too(
    valid_request: dict[str, Any], mutations: list[tuple[tuple[Any, ...], Any]]
) -> None:
    request = copy.deepcopy(valid_request)
    apply_mutations(request, mutations)
    botocore_report = botocore_errors(request)
    violations = check_input(OPERATION, request)
    assert bool(botocore_report) == bool(violations), (botocore_report, violations)
    # Each member botocore names is a member check_input names too.
    named = {v.path.split(".")[-1] for v in violations}
    for line in botocore_report.splitlines():
        assert _botocore_member(line) in named, (line, violations)


def _botocore_member(line: str) -> str:
    """The camelCased member a ParamValidator report line is about."""
    match = re.search(r'(?:Missing required|Unknown) parameter in [^:]+: "([^"]+)"', line) or re.search(
        r"for parameter ([^,]+),", line
    )
    assert match is not None, line
    last = re.sub(r"\[\d+\]", "", match.group(1)).split(".")[-1]
    return last[:1].lower() + last[1:]


def test_tagged_unions_need_exactly_one_member_as_botocore_says() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    input_shape = model.operation_model("CreateAIBenchmarkJob").input_shape
    for target in ({}, {"Endpoint": {"Identifier": "my-endpoint"}}):
        params = {"BenchmarkTarget": target}
        union_violations = [
            v for v in check_input("CreateAIBenchmarkJob", params) if v.path == "benchmarkTarget"
        ]
        botocore_report = _VALIDATOR.validate(params, input_shape).generate_report()
        if target:
            assert union_violations == []
            assert "tagged union" not in botocore_report
        else:
            assert union_violations == [
                Violation("benchmarkTarget", {}, "Member must have exactly one of its members set")
            ]
            assert "tagged union" in botocore_report


def test_floating_point_bounds_are_printed_as_java_doubles() -> None:
    # VariantWeight (DesiredWeight) is a float shape whose model minimum is the integer 0.
    violations = check_input(
        "UpdateEndpointWeightsAndCapacities",
        {
            "EndpointName": "e",
            "DesiredWeightsAndCapacities": [{"VariantName": "v", "DesiredWeight": -0.5}],
        },
    )
    assert violations == [
        Violation(
            "desiredWeightsAndCapacities.1.member.desiredWeight",
            -0.5,
            "Member must have value greater than or equal to 0.0",
        )
    ]
