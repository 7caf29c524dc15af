"""Access to the SageMaker service model shipped inside botocore.

Contract: `service_model()` returns botocore's raw ``sagemaker`` ``service-2`` description
(a JSON-shaped dict: ``shapes`` and ``operations``), loaded on first use and cached for the
life of the process; `botocore_service_model()` wraps that same dict in botocore's `ServiceModel`.
Nothing is loaded at import time, so importing the awsmodel modules stays
cheap for commands that never touch the model (``hpo-reconciler version``). Reading the model
files bundled inside the botocore package is the only I/O this layer does; the result is
immutable in practice (callers must not mutate it).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.model import ServiceModel

SERVICE_NAME = "sagemaker"


_LOAD_LOCK = threading.Lock()


@functools.cache
def service_model() -> Mapping[str, Any]:
    """The raw botocore service description of SageMaker (cached)."""
    # The load runs under a lock: the reconciler's workers ask at the same moment, and each would
    # otherwise parse the multi-megabyte model file itself (functools.cache does not prevent that).
    with _LOAD_LOCK:
        return _loaded_service_model()


@functools.cache
def _loaded_service_model() -> Mapping[str, Any]:
    import botocore.loaders

    model: Mapping[str, Any] = botocore.loaders.Loader().load_service_model(SERVICE_NAME, "service-2")
    return model


@functools.cache
def botocore_service_model() -> ServiceModel:
    """The same model as botocore's typed `ServiceModel` (shape objects), for shape-walking callers."""
    from botocore.model import ServiceModel

    return ServiceModel(dict(service_model()), service_name=SERVICE_NAME)


def botocore_version() -> str:
    """The botocore release whose model is in use (recorded in generated files)."""
    import botocore

    return str(botocore.__version__)


def shapes() -> Mapping[str, Mapping[str, Any]]:
    """Every shape of the model by name."""
    result: Mapping[str, Mapping[str, Any]] = service_model()["shapes"]
    return result


def shape(name: str) -> Mapping[str, Any]:
    """One shape by name; KeyError when the model has no such shape."""
    return shapes()[name]


def input_shape_name(operation: str) -> str:
    """The input shape of an operation (e.g. CreateHyperParameterTuningJob -> ...Request)."""
    operations: Mapping[str, Any] = service_model()["operations"]
    if operation not in operations:
        raise KeyError(f"SageMaker has no operation {operation!r}")
    name: str = operations[operation]["input"]["shape"]
    return name


def member_shape_name(structure: Mapping[str, Any], member: str) -> str:
    """The shape name of `member` in a structure shape."""
    name: str = structure["members"][member]["shape"]
    return name
