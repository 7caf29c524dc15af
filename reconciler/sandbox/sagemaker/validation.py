"""Request validation glue: botocore-model constraints with AWS's wording, then SageMaker's create-time rules.

Contract: `check_request(operation, params)` raises ValidationException with
`reconciler.awsmodel.validation_error_message` text when `reconciler.awsmodel.check_input` finds
violations (AWS reports them all at once); for CreateHyperParameterTuningJob it then raises the
first of `semantic.create_tuning_job_problems`. Returns None when the request is acceptable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.awsmodel import check_input, validation_error_message
from reconciler.sandbox.sagemaker import errors, semantic


def check_request(operation: str, params: Mapping[str, Any]) -> None:
    violations = check_input(operation, params)
    if violations:
        raise errors.validation_error(validation_error_message(violations))
    if operation == "CreateHyperParameterTuningJob":
        problems = semantic.create_tuning_job_problems(params)
        if problems:
            raise errors.validation_error(problems[0])
