"""CloudWatch Logs of training jobs: a stream once a job starts, lines carrying its metric like XGBoost."""

from __future__ import annotations

import http.client
import json
import re
from typing import Any
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.sandbox.sagemaker import SageMakerSandbox

GROUP = "/aws/sagemaker/TrainingJobs"
ROUND = re.compile(r"^\[(\d+)\]#011train-error:([0-9.]+)#011validation-error:([0-9.]+)$")


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
    sm.create_hyper_parameter_tuning_job(**sample_request())
    child = _first_child(sm)
    sandbox.advance(120)
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
    sm.create_hyper_parameter_tuning_job(**sample_request())
    child = _first_child(sm)
    sandbox.advance(120)
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
    st.sampled_from([GROUP, "LogStreamName", "LastEventTime", "f/0", "b/3", "x/1/algo-1-5"]),
)


@settings(max_examples=150, deadline=None)
@given(
    operation=st.sampled_from(["DescribeLogStreams", "GetLogEvents"]),
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
            ]
        ),
        _ANY,
        max_size=6,
    ),
)
def test_any_logs_request_gets_a_client_error_or_an_answer_never_a_500(
    logs_server: SageMakerSandbox, operation: str, body: dict[str, Any]
) -> None:
    url = urlparse(logs_server.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port)
    conn.request("POST", "/", body=json.dumps(body), headers={"X-Amz-Target": f"Logs_20140328.{operation}"})
    response = conn.getresponse()
    payload = json.loads(response.read())
    conn.close()
    assert response.status in (200, 400), payload
