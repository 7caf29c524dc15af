"""The SageMaker API model (from botocore) as the rest of hpo-reconciler needs it.

This package's face (import from `reconciler.awsmodel`); the work is split by job across:
- `loader`             lazy, cached load of botocore's ``sagemaker`` service model
- `names`              `camel` / `pascal` member-name mapping
- `regex`              Java-regex translation (Python for checks, RE2-and-Python for CRDs)
- `unicode`            Unicode general-category classes for Java's ``\\p{L}``-style escapes
- `check`              `check_input`, `Violation`, `validation_error_message` (SageMaker's wording)
- `translate`          resource form <-> API form (`spec_to_request`, `request_to_spec`,
                       `to_camel`, `training_job_spec_from_description`, `UnknownFieldError`)
- `defaults`           `API_DEFAULTS`: what SageMaker fills in when a create request omits it
- `schema`             openAPIV3Schema generation for the CRDs
- `crd`                the two CRD documents (spec from the model, status and columns by contract);
                       `reconciler.tools.crdgen` writes them to crds/

Pure: no I/O apart from reading the model bundled in botocore, on first use (never at import).
"""

from __future__ import annotations

from reconciler.awsmodel.check import Violation, check_input, validation_error_message
from reconciler.awsmodel.defaults import API_DEFAULTS
from reconciler.awsmodel.names import camel, pascal
from reconciler.awsmodel.translate import (
    MalformedEntryError,
    UnknownFieldError,
    from_camel,
    request_to_spec,
    spec_to_request,
    to_camel,
    training_job_spec_from_description,
)

__all__ = [
    "API_DEFAULTS",
    "MalformedEntryError",
    "UnknownFieldError",
    "Violation",
    "camel",
    "check_input",
    "from_camel",
    "pascal",
    "request_to_spec",
    "spec_to_request",
    "to_camel",
    "training_job_spec_from_description",
    "validation_error_message",
]
