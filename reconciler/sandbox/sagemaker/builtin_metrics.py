"""The metric definitions SageMaker fills in for a training job definition of a built-in algorithm.

Contract: `fill_builtin_metric_definitions(request)` adds `AlgorithmSpecification.MetricDefinitions`
to every training job definition of a (defaults-filled) CreateHyperParameterTuningJob request that
runs a built-in algorithm image (`<account>.dkr.ecr.<region>.amazonaws.com/<algorithm>:<tag>`,
`<algorithm>` one of `BUILTIN_ALGORITHMS`) and sends none; DescribeHyperParameterTuningJob and
DescribeTrainingJob then report them. Definitions that send their own, and other images, are
left as sent.

Sources that the service fills them: the SageMaker Python SDK reads
`TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions` of DescribeHyperParameterTuningJob
without a default (sagemaker/tuner.py, `_prepare_init_params_from_job_description`), and AWS's
Kubernetes controller late-initializes exactly that field from the service
(aws-controllers-k8s/sagemaker-controller, generator.yaml). Which definitions a built-in algorithm
lists is not published in one place: the simulator lists the tuning objective and its `train`
twin, with regexes matching the log lines it writes (`training_logs`) -- state "assumed" in
docs/fidelity.md.
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.sagemaker.training_logs import metric_labels

# Repository names of SageMaker's built-in algorithm images (developer guide, "Docker Registry
# Paths and Example Code" for the built-in algorithms).
BUILTIN_ALGORITHMS = frozenset(
    {
        "blazingtext",
        "factorization-machines",
        "forecasting-deepar",
        "image-classification",
        "ipinsights",
        "kmeans",
        "knn",
        "lda",
        "linear-learner",
        "ntm",
        "object-detection",
        "object2vec",
        "pca",
        "randomcutforest",
        "semantic-segmentation",
        "seq2seq",
        "sagemaker-xgboost",
        "xgboost",
    }
)

_NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"


def is_builtin_image(image: str) -> bool:
    repository = image.partition("/")[2].partition(":")[0].partition("@")[0]
    return ".dkr.ecr." in image and repository in BUILTIN_ALGORITHMS


def fill_builtin_metric_definitions(request: dict[str, Any]) -> None:
    config = request.get("HyperParameterTuningJobConfig") or {}
    single = request.get("TrainingJobDefinition")
    definitions = [single] if single else list(request.get("TrainingJobDefinitions") or [])
    for definition in definitions:
        algorithm = definition.get("AlgorithmSpecification") or {}
        if algorithm.get("MetricDefinitions") or not is_builtin_image(
            str(algorithm.get("TrainingImage", ""))
        ):
            continue
        objective = definition.get("TuningObjective") or config.get("HyperParameterTuningJobObjective") or {}
        metric = str(objective.get("MetricName", ""))
        if not metric:
            continue
        channel, _, name = metric.partition(":")
        train_metric = f"train:{name}" if name else f"train:{channel}"
        train_label, objective_label = metric_labels(metric)
        listed = {metric: objective_label, train_metric: train_label}
        algorithm["MetricDefinitions"] = [
            {"Name": metric_name, "Regex": rf".*\[[0-9]+\].*#011{label}:{_NUMBER}.*"}
            for metric_name, label in sorted(listed.items())
        ]
        definition["AlgorithmSpecification"] = algorithm
