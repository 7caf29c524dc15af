"""Values SageMaker fills in when a create request omits a member.

Contract: `API_DEFAULTS` maps ``"ShapeName.MemberName"`` (botocore shape names, API member
names) to the value SageMaker uses when a create request leaves the member out. The simulator
fills these into Describe output; the reconciler treats "absent in the spec" as equal to the
default when it compares desired and observed. Only constants are listed: defaults that depend
on other members (``Channel.InputMode`` falls back to the job's ``TrainingInputMode``) or that
the API reference does not pin (``*ParameterRange.ScalingType``) are deliberately absent, so a
comparison never hides a real difference.

Sources: the SageMaker API reference, https://docs.aws.amazon.com/sagemaker/latest/APIReference/
(botocore ships the same text as member documentation); each entry cites its page there.
Where the reference names the value without the word "default", the comment says what it says.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

API_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        # API_HyperParameterTuningJobConfig.html: "(the default value is OFF)"; the enum
        # value SageMaker accepts and returns is spelled `Off`.
        "HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType": "Off",
        # API_Channel.html, CompressionType: "The default value is None."
        "Channel.CompressionType": "None",
        # API_Channel.html, RecordWrapperType: enum None | RecordIO; "If the input data is
        # already in RecordIO format, you don't need to set this attribute" - unset means None.
        "Channel.RecordWrapperType": "None",
        # API_S3DataSource.html lists FullyReplicated | ShardedByS3Key without naming a
        # default; the SageMaker SDKs' TrainingInput documents "default: 'FullyReplicated'"
        # (sagemaker-python-sdk / its R port, rdrr.io TrainingInput), which is what
        # DescribeTrainingJob reports for channels that left it out.
        "S3DataSource.S3DataDistributionType": "FullyReplicated",
        # API_HyperParameterTrainingJobDefinition.html: Boolean, Required: No; the switches
        # are opt-in ("To encrypt ... choose True"; "enabled (True) or not (False)").
        "HyperParameterTrainingJobDefinition.EnableNetworkIsolation": False,
        "HyperParameterTrainingJobDefinition.EnableInterContainerTrafficEncryption": False,
        "HyperParameterTrainingJobDefinition.EnableManagedSpotTraining": False,
        # API_OutputDataConfig.html, CompressionType: "Defaults to gzip." (enum GZIP | NONE)
        "OutputDataConfig.CompressionType": "GZIP",
        # API_StoppingCondition.html, MaxRuntimeInSeconds: "The default value is 1 day."
        "StoppingCondition.MaxRuntimeInSeconds": 86400,
        # API_CheckpointConfig.html, LocalPath: "The default directory is /opt/ml/checkpoints/."
        "CheckpointConfig.LocalPath": "/opt/ml/checkpoints/",
        # API_InstancePlacementConfig.html, EnableMultipleJobs: "Default is false."
        "InstancePlacementConfig.EnableMultipleJobs": False,
        # Training-job-only members (CreateTrainingJob), same pages' wording:
        # API_DebugHookConfig.html LocalPath "Defaults to /opt/ml/output/tensors/."
        "DebugHookConfig.LocalPath": "/opt/ml/output/tensors/",
        # API_DebugRuleConfiguration.html LocalPath "Defaults to /opt/ml/processing/output/rule/."
        "DebugRuleConfiguration.LocalPath": "/opt/ml/processing/output/rule/",
        # API_ProfilerRuleConfiguration.html LocalPath "Defaults to /opt/ml/processing/output/rule/."
        "ProfilerRuleConfiguration.LocalPath": "/opt/ml/processing/output/rule/",
        # API_TensorBoardOutputConfig.html LocalPath "Defaults to /opt/ml/output/tensorboard."
        "TensorBoardOutputConfig.LocalPath": "/opt/ml/output/tensorboard",
        # API_ProfilerConfig.html ProfilingIntervalInMilliseconds "The default value is 500 milliseconds."
        "ProfilerConfig.ProfilingIntervalInMilliseconds": 500,
    }
)
