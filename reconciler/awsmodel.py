"""The SageMaker API model (from botocore) as the rest of hpo-reconciler needs it.

This is the public face of the awsmodel layer; the work is split by job across:
- `awsmodel_loader`    lazy, cached load of botocore's ``sagemaker`` service model
- `awsmodel_names`     `camel` / `pascal` member-name mapping
- `awsmodel_regex`     Java-regex translation (Python for checks, RE2-and-Python for CRDs)
- `awsmodel_unicode`   Unicode general-category classes for Java's ``\\p{L}``-style escapes
- `awsmodel_check`     `check_input`, `Violation`, `validation_error_message` (SageMaker's wording)
- `awsmodel_translate` resource form <-> API form (`spec_to_request`, `request_to_spec`,
                       `to_camel`, `training_job_spec_from_description`, `UnknownFieldError`)
- `awsmodel_defaults`  `API_DEFAULTS`: what SageMaker fills in when a create request omits it
- `awsmodel_schema`    openAPIV3Schema generation for the CRDs
- `awsmodel_crd`       the two CRD documents (spec from the model, status and columns by contract);
                       `reconciler.crdgen` writes them to crds/

Pure: no I/O apart from reading the model bundled in botocore, on first use (never at import).
"""

from __future__ import annotations

from reconciler.awsmodel_check import Violation, check_input, validation_error_message
from reconciler.awsmodel_defaults import API_DEFAULTS
from reconciler.awsmodel_names import camel, pascal
from reconciler.awsmodel_translate import (
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
