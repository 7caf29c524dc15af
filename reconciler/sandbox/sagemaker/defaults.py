"""Fill SageMaker's documented defaults into a create request, as Describe later reports them.

Contract: `with_defaults(params, shape_name=...)` returns a deep copy of `params` in which every
structure that is present gets `reconciler.awsmodel.API_DEFAULTS["Shape.Member"]` for each member
it omits. It walks the botocore service model, so nested structures inside lists and maps (e.g.
each Channel of InputDataConfig) are filled too. Absent structures stay absent.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

import botocore.loaders

from reconciler.awsmodel import API_DEFAULTS


@functools.cache
def _shapes() -> Mapping[str, Any]:
    model = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
    shapes: Mapping[str, Any] = model["shapes"]
    return shapes


@functools.cache
def _defaults_by_shape() -> Mapping[str, dict[str, Any]]:
    by_shape: dict[str, dict[str, Any]] = {}
    for key, value in API_DEFAULTS.items():
        shape_name, _, member = key.partition(".")
        by_shape.setdefault(shape_name, {})[member] = value
    return by_shape


def with_defaults(params: Mapping[str, Any], *, shape_name: str) -> dict[str, Any]:
    filled = copy.deepcopy(dict(params))
    _fill(filled, shape_name)
    return filled


def _fill(value: Any, shape_name: str) -> None:
    spec = _shapes()[shape_name]
    kind = spec["type"]
    if kind == "structure" and isinstance(value, dict):
        for member, default in _defaults_by_shape().get(shape_name, {}).items():
            value.setdefault(member, copy.deepcopy(default))
        for member, member_spec in spec["members"].items():
            if member in value:
                _fill(value[member], member_spec["shape"])
    elif kind == "list" and isinstance(value, list):
        for item in value:
            _fill(item, spec["member"]["shape"])
    elif kind == "map" and isinstance(value, dict):
        for item in value.values():
            _fill(item, spec["value"]["shape"])
