"""CloudWatch Logs of training jobs: a stream once a job starts, lines carrying its metric like XGBoost."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.sandbox.sagemaker import SageMakerSandbox
from tests.sandbox_sagemaker.conftest import post_json

GROUP = "/aws/sagemaker/TrainingJobs"
ROUND = re.compile(r"^\[(\d+)\]#011train-error:([0-9.]+)#011validation-error:([0-9.]+)$")


def _running_child(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> str:
    """Create the sample tuning job, let two simulated minutes pass; its first training job's name."""
    sm.create_hyper_parameter_tuning_job(**sample_request())
    child = _first_child(sm)
    sandbox.advance(120)
    return child


def _first_child(sm: Any) -> str:
    summaries = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="xgboost-mnist-hpo"
    )["TrainingJobSummaries"]
    name: str = summaries[0]["TrainingJobName"]
    return name


def test_log_lines_carry_the_metric_and_end_on_the_final_value(
    sm: Any, logs: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    child = _first_child(sm)
    assert logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=child)["logStreams"] == []
    sandbox.advance(600)
    streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=child)["logStreams"]
    assert len(streams) == 1 and streams[0]["logStreamName"].startswith(f"{child}/algo-1-")
    events = logs.get_log_events(
        logGroupName=GROUP, logStreamName=streams[0]["logStreamName"], startFromHead=True
    )
    rounds = [ROUND.match(e["message"]) for e in events["events"]]
    metrics = [float(m.group(3)) for m in rounds if m]
    described = sm.describe_training_job(TrainingJobName=child)
    assert len(metrics) == int(described["HyperParameters"]["num_round"])
    assert metrics == sorted(metrics, reverse=True)  # the error shrinks round after round
    assert metrics[-1] == pytest.approx(described["FinalMetricDataList"][0]["Value"], abs=1e-5)
    timestamps = [e["timestamp"] for e in events["events"]]
    assert timestamps == sorted(timestamps)
    # Reading forward from the end returns nothing new and the same token: the reader has caught up.
    again = logs.get_log_events(
        logGroupName=GROUP, logStreamName=streams[0]["logStreamName"], nextToken=events["nextForwardToken"]
    )
    assert again["events"] == [] and again["nextForwardToken"] == events["nextForwardToken"]


def test_lines_appear_as_simulated_time_passes_and_page_forward(
    sm: Any, logs: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    child = _running_child(sm, sandbox, sample_request)
    stream = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=child)["logStreams"][0]
    first = logs.get_log_events(
        logGroupName=GROUP, logStreamName=stream["logStreamName"], startFromHead=True, limit=2
    )
    assert len(first["events"]) == 2
    seen = list(first["events"])
    token = first["nextForwardToken"]
    sandbox.advance(600)
    while True:
        page = logs.get_log_events(
            logGroupName=GROUP, logStreamName=stream["logStreamName"], nextToken=token, limit=5
        )
        seen += page["events"]
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    full = logs.get_log_events(logGroupName=GROUP, logStreamName=stream["logStreamName"], startFromHead=True)
    assert [e["message"] for e in seen] == [e["message"] for e in full["events"]]
    assert full["events"][-1]["message"].startswith("Training complete")


def test_streams_list_every_started_job_and_unknown_names_are_errors(
    sm: Any, logs: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    sandbox.advance(600)
    streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="xgboost-mnist-hpo-")[
        "logStreams"
    ]
    assert len(streams) == 10
    with pytest.raises(ClientError) as caught:
        logs.describe_log_streams(logGroupName="/aws/sagemaker/Endpoints")
    assert caught.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "The specified log group does not exist.",
    }
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_log_events(logGroupName=GROUP, logStreamName="xgboost-mnist-hpo-001-00000000/algo-1-1")
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="x", orderBy="LastEventTime")


def test_a_failed_job_logs_its_failure(
    sm: Any, logs: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    child = _running_child(sm, sandbox, sample_request)
    sandbox.force_outcome(child, status="Failed", failure_reason="AlgorithmError: bad csv")
    stream = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=child)["logStreams"][0]
    events = logs.get_log_events(logGroupName=GROUP, logStreamName=stream["logStreamName"])["events"]
    assert events[-1]["message"] == "AlgorithmError: bad csv"


def test_bad_logs_parameters_are_invalid_parameter_errors(sandbox: SageMakerSandbox) -> None:
    import boto3
    from botocore.config import Config

    unchecked = boto3.client(
        "logs", config=Config(parameter_validation=False, retries={"total_max_attempts": 1})
    )
    with pytest.raises(ClientError) as caught:
        unchecked.describe_log_streams(logGroupName=GROUP, limit=51)
    assert caught.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 50",
    }
    with pytest.raises(ClientError) as caught:
        unchecked.get_log_events(logGroupName=GROUP, logStreamName="a*b", limit=0)
    assert caught.value.response["Error"]["Message"].startswith("2 validation errors detected: ")


@pytest.fixture(scope="module")
def logs_server() -> Any:
    with SageMakerSandbox(time_scale=0.0) as sb:
        yield sb


_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=20000),
    st.text(max_size=30),
    st.sampled_from([GROUP, "LogStreamName", "LastEventTime", "f/0", "b/3", "p/2/0", "x/1/algo-1-5"]),
    st.lists(st.text(max_size=5), max_size=3),
    st.sampled_from(['"unterminated', "{ $.a = 1 }", "-x ?y z"]),
)


@settings(max_examples=150, deadline=None)
@given(
    operation=st.sampled_from(["DescribeLogStreams", "GetLogEvents", "FilterLogEvents"]),
    body=st.dictionaries(
        st.sampled_from(
            [
                "logGroupName",
                "logGroupIdentifier",
                "logStreamNamePrefix",
                "logStreamName",
                "orderBy",
                "descending",
                "nextToken",
                "limit",
                "startTime",
                "endTime",
                "startFromHead",
                "filterPattern",
                "logStreamNames",
            ]
        ),
        _ANY,
        max_size=6,
    ),
)
def test_any_logs_request_gets_a_client_error_or_an_answer_never_a_500(
    logs_server: SageMakerSandbox, operation: str, body: dict[str, Any]
) -> None:
    status, payload = post_json(logs_server, f"Logs_20140328.{operation}", body)
    assert status in (200, 400), payload


def _read_forward(logs: Any, stream: str) -> tuple[list[str], list[int]]:
    """Every message of `stream` read with forward tokens until the token comes back; page sizes."""
    page = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True, limit=1)
    messages, sizes = [e["message"] for e in page["events"]], [len(page["events"])]
    token = page["nextForwardToken"]
    for _ in range(500):
        page = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, nextToken=token, limit=50)
        messages += [e["message"] for e in page["events"]]
        sizes.append(len(page["events"]))
        if page["nextForwardToken"] == token:
            return messages, sizes
        token = page["nextForwardToken"]
    raise AssertionError("the forward token never came back")


def test_get_log_events_answers_empty_and_partial_pages_mid_stream(
    sm: Any, logs: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    # Logs API reference, GetLogEvents: "A returned page might only be partially full, or even
    # empty"; only the returned token equal to the one sent ends the stream.
    sm.create_hyper_parameter_tuning_job(**sample_request())
    child = _first_child(sm)
    sandbox.advance(3600)
    stream = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=child)["logStreams"][0]
    messages, sizes = _read_forward(logs, stream["logStreamName"])
    full = logs.get_log_events(logGroupName=GROUP, logStreamName=stream["logStreamName"], startFromHead=True)
    assert messages == [e["message"] for e in full["events"]]
    middle = sizes[1:-1]
    assert 0 in middle, sizes  # an empty page before the end
    assert any(0 < size < 50 for size in middle), sizes  # a partial page before the end
    assert sizes[-1] == 0


def _ended_child(sm: Any, sandbox: SageMakerSandbox, sample_request: Any, *, instances: int) -> str:
    """The first training job of a tuning job on `instances` instances, after an hour of simulated time."""
    request = sample_request()
    request["TrainingJobDefinition"]["ResourceConfig"]["InstanceCount"] = instances
    sm.create_hyper_parameter_tuning_job(**request)
    child = _first_child(sm)
    sandbox.advance(3600)
    return child


def test_a_multi_instance_training_job_has_one_stream_per_instance(
    sm: Any, logs: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    child = _ended_child(sm, sandbox, sample_request, instances=3)
    streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=f"{child}/")["logStreams"]
    names = [s["logStreamName"] for s in streams]
    assert [n.rsplit("-", 1)[0] for n in names] == [f"{child}/algo-{i}" for i in (1, 2, 3)]
    assert len({n.rsplit("-", 1)[1] for n in names}) == 1  # one creation epoch for all
    for name in names:
        assert _read_forward(logs, name)[0][-1].startswith("Training complete")


def test_filter_log_events_searches_streams_pages_to_the_end_and_matches_terms(
    sm: Any, logs: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    child = _ended_child(sm, sandbox, sample_request, instances=2)
    found: list[dict[str, Any]] = []
    pages, token = 0, None
    while True:
        kwargs: dict[str, Any] = {"nextToken": token} if token else {}
        page = logs.filter_log_events(
            logGroupName=GROUP,
            logStreamNamePrefix=f"{child}/",
            filterPattern="validation-error",
            limit=5,
            **kwargs,
        )
        found += page["events"]
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
    rounds = [e for e in found if ROUND.match(e["message"])]
    described = sm.describe_training_job(TrainingJobName=child)
    assert len(rounds) == 2 * int(described["HyperParameters"]["num_round"])
    assert {e["logStreamName"].split("/")[1].rsplit("-", 1)[0] for e in found} == {"algo-1", "algo-2"}
    assert [e["timestamp"] for e in found] == sorted(e["timestamp"] for e in found)
    assert pages > 1 and len({e["eventId"] for e in found}) == len(found)
    excluded = logs.filter_log_events(
        logGroupName=GROUP,
        logStreamNames=[f"{child}/" + found[0]["logStreamName"].split("/")[1]],
        filterPattern='"Training complete" -validation-error',
    )["events"]
    assert [e["message"] for e in excluded] == ["Training complete. Uploading the model artifacts."]
    with pytest.raises(ClientError) as caught:
        logs.filter_log_events(logGroupName=GROUP, logStreamNames=["a"], logStreamNamePrefix="a")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as caught:
        logs.filter_log_events(logGroupName=GROUP, filterPattern="{ $.level = 1 }")
    assert "only term filter patterns" in caught.value.response["Error"]["Message"]


def test_a_log_group_is_named_exactly_once(logs: Any) -> None:
    # Logs API reference: "You must include either logGroupIdentifier or logGroupName, but not both."
    for kwargs in ({}, {"logGroupName": GROUP, "logGroupIdentifier": GROUP}):
        for call in (logs.describe_log_streams, logs.filter_log_events):
            with pytest.raises(ClientError) as caught:
                call(**kwargs)
            assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    streams = logs.describe_log_streams(
        logGroupIdentifier=f"arn:aws:logs:us-east-2:123456789012:log-group:{GROUP}"
    )
    assert streams["logStreams"] == []
