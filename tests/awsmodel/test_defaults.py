"""API_DEFAULTS: every entry names a real member and holds a value SageMaker would accept."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.awsmodel import API_DEFAULTS, check_input, spec_to_request
from reconciler.awsmodel.loader import shape

# The representative spec lives beside the tests (no conftest.py: mypy sees one `conftest`
# module per folder); each test gets a fresh copy it may change.
_PYTHON_TYPES = {"string": str, "boolean": bool, "integer": int, "long": int}


@pytest.mark.parametrize("key", sorted(API_DEFAULTS))
def test_default_names_a_member_and_fits_its_shape(key: str) -> None:
    structure_name, member = key.split(".")
    member_shape = shape(shape(structure_name)["members"][member]["shape"])
    value = API_DEFAULTS[key]
    assert type(value) is _PYTHON_TYPES[member_shape["type"]]
    if "enum" in member_shape:
        assert value in member_shape["enum"]
    assert member not in shape(structure_name).get("required", [])  # a required member has no default


def test_the_interface_examples_are_present() -> None:
    assert API_DEFAULTS["S3DataSource.S3DataDistributionType"] == "FullyReplicated"
    assert API_DEFAULTS["HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType"] == "Off"
    assert API_DEFAULTS["Channel.CompressionType"] == "None"
    assert API_DEFAULTS["Channel.RecordWrapperType"] == "None"
    assert API_DEFAULTS["HyperParameterTrainingJobDefinition.EnableNetworkIsolation"] is False


def test_a_request_with_every_applicable_default_filled_in_still_passes_the_check(
    spec: dict[str, Any],
) -> None:
    request = spec_to_request(spec, job_name="j1")
    definition = request["TrainingJobDefinition"]
    filled = {
        "Channel": definition["InputDataConfig"][1],
        "S3DataSource": definition["InputDataConfig"][1]["DataSource"]["S3DataSource"],
        "HyperParameterTrainingJobDefinition": definition,
        "HyperParameterTuningJobConfig": request["HyperParameterTuningJobConfig"],
        "OutputDataConfig": definition["OutputDataConfig"],
        "CheckpointConfig": definition["CheckpointConfig"],
    }
    count = 0
    for key, value in API_DEFAULTS.items():
        structure_name, member = key.split(".")
        if structure_name in filled:
            filled[structure_name].setdefault(member, value)
            count += 1
    assert count >= 8
    assert check_input("CreateHyperParameterTuningJob", request) == []


def test_defaults_are_read_only() -> None:
    with pytest.raises(TypeError):
        API_DEFAULTS["Channel.CompressionType"] = "Gzip"  # type: ignore[index]
