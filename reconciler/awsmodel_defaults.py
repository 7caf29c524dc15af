"""Values SageMaker fills in when a create request omits a member.

Contract: `API_DEFAULTS` maps ``"ShapeName.MemberName"`` to the value SageMaker reports in
Describe output when the create request left the member out, as documented in the SageMaker
API reference. The simulator fills these into Describe output; the reconciler treats
"absent in the spec" as equal to the default when it compares desired and observed.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

API_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3DataSource.html
        "S3DataSource.S3DataDistributionType": "FullyReplicated",
        # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTuningJobConfig.html
        "HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType": "Off",
        # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Channel.html
        "Channel.CompressionType": "None",
        "Channel.RecordWrapperType": "None",
        # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTrainingJobDefinition.html
        "HyperParameterTrainingJobDefinition.EnableNetworkIsolation": False,
        "HyperParameterTrainingJobDefinition.EnableInterContainerTrafficEncryption": False,
        "HyperParameterTrainingJobDefinition.EnableManagedSpotTraining": False,
    }
)
