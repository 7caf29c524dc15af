"""camel/pascal: the per-member name mapping derived from the SageMaker model."""

from __future__ import annotations

import pytest

from reconciler.awsmodel import camel, pascal
from reconciler.awsmodel.loader import shapes


@pytest.mark.parametrize(
    ("api_name", "resource_name"),
    [
        ("VolumeSizeInGB", "volumeSizeInGB"),
        ("S3Uri", "s3Uri"),
        ("KmsKeyId", "kmsKeyId"),
        ("S3DataDistributionType", "s3DataDistributionType"),
        ("HyperParameterTuningJobName", "hyperParameterTuningJobName"),
        ("EMRServerless", "eMRServerless"),
    ],
)
def test_known_members_map_both_ways(api_name: str, resource_name: str) -> None:
    assert camel(api_name) == resource_name
    assert pascal(resource_name) == api_name


def test_mapping_is_a_bijection_over_every_member_of_the_model() -> None:
    members = {m for s in shapes().values() if s["type"] == "structure" for m in s["members"]}
    camels = {camel(m) for m in members}
    assert len(camels) == len(members)
    assert all(pascal(camel(m)) == m for m in members)
    assert all(c[:1].islower() or not c[:1].isalpha() for c in camels)


def test_names_outside_the_model_fall_back_to_first_letter_case() -> None:
    assert camel("NotInTheModelAtAll") == "notInTheModelAtAll"
    assert pascal("notInTheModelAtAll") == "NotInTheModelAtAll"
