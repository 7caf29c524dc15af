"""Shared data for the awsmodel tests: one representative, valid HyperparameterTuningJob spec."""

from __future__ import annotations

import copy
from typing import Any

import pytest

REPRESENTATIVE_SPEC: dict[str, Any] = {
    "region": "us-east-2",
    "sageMakerEndpoint": "https://sagemaker.us-east-2.amazonaws.com",
    "hyperParameterTuningJobName": "xgboost-tuning-1",
    "hyperParameterTuningJobConfig": {
        "strategy": "Bayesian",
        "hyperParameterTuningJobObjective": {"type": "Minimize", "metricName": "validation:error"},
        "resourceLimits": {
            "maxNumberOfTrainingJobs": 10,
            "maxParallelTrainingJobs": 2,
            "maxRuntimeInSeconds": 3600,
        },
        "parameterRanges": {
            "integerParameterRanges": [
                {"name": "num_round", "minValue": "10", "maxValue": "20", "scalingType": "Linear"}
            ],
            "continuousParameterRanges": [{"name": "eta", "minValue": "0.1", "maxValue": "0.5"}],
            "categoricalParameterRanges": [{"name": "booster", "values": ["gbtree", "dart"]}],
        },
        "trainingJobEarlyStoppingType": "Off",
        "tuningJobCompletionCriteria": {
            "targetObjectiveMetricValue": 0.05,
            "bestObjectiveNotImproving": {"maxNumberOfTrainingJobsNotImproving": 5},
        },
        "randomSeed": 7,
    },
    "trainingJobDefinition": {
        "algorithmSpecification": {
            "trainingImage": "825641698319.dkr.ecr.us-east-2.amazonaws.com/xgboost:1",
            "trainingInputMode": "File",
            "metricDefinitions": [{"name": "validation:error", "regex": "error=([0-9.]+)"}],
        },
        "roleArn": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
        "staticHyperParameters": [
            {"name": "objective", "value": "reg:linear"},
            {"name": "silent", "value": "0"},
        ],
        "inputDataConfig": [
            {
                "channelName": "train",
                "contentType": "text/csv",
                "compressionType": "None",
                "dataSource": {
                    "s3DataSource": {
                        "s3DataType": "S3Prefix",
                        "s3Uri": "s3://my-bucket/xgboost/train/",
                        "s3DataDistributionType": "FullyReplicated",
                    }
                },
            },
            {
                "channelName": "validation",
                "dataSource": {
                    "s3DataSource": {"s3DataType": "S3Prefix", "s3Uri": "s3://my-bucket/xgboost/validation/"}
                },
            },
        ],
        "vpcConfig": {"securityGroupIds": ["sg-0123456789abcdef0"], "subnets": ["subnet-0123456789abcdef0"]},
        "outputDataConfig": {"s3OutputPath": "s3://my-bucket/xgboost/output", "kmsKeyId": "alias/my-key"},
        "resourceConfig": {
            "instanceType": "ml.m4.xlarge",
            "instanceCount": 1,
            "volumeSizeInGB": 5,
            "volumeKmsKeyId": "arn:aws:kms:us-east-2:123456789012:key/abcd",
        },
        "stoppingCondition": {"maxRuntimeInSeconds": 86400, "maxWaitTimeInSeconds": 90000},
        "enableManagedSpotTraining": True,
        "checkpointConfig": {
            "s3Uri": "s3://my-bucket/xgboost/checkpoints",
            "localPath": "/opt/ml/checkpoints",
        },
        "retryStrategy": {"maximumRetryAttempts": 2},
        "environment": [{"name": "LOG_LEVEL", "value": "debug"}],
    },
    "warmStartConfig": {
        "parentHyperParameterTuningJobs": [{"hyperParameterTuningJobName": "previous-tuning"}],
        "warmStartType": "IdenticalDataAndAlgorithm",
    },
    "tags": [{"key": "team", "value": "ml"}, {"key": "cost-center", "value": "1234"}],
}


@pytest.fixture
def spec() -> dict[str, Any]:
    """A fresh copy of the representative spec (tests may mutate it)."""
    return copy.deepcopy(REPRESENTATIVE_SPEC)
