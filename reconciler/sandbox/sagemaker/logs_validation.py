"""Input checks of the CloudWatch Logs operations, against botocore's `logs` model.

Contract: `check_logs_request(operation, params)` raises InvalidParameterException (the error
CloudWatch Logs documents for bad parameters) listing every violated constraint of the
operation's flat input shape -- required members, types, string lengths, patterns, enums and
numeric ranges, and for list members (FilterLogEvents.logStreamNames) the item count and each
item -- worded like the AWS JSON services' validation messages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import botocore.loaders

from reconciler.sandbox.sagemaker import errors

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
}


@functools.cache
def _model() -> Mapping[str, Any]:
    model: Mapping[str, Any] = botocore.loaders.Loader().load_service_model("logs", "service-2")
    return model


def _violations(value: Any, spec: Mapping[str, Any]) -> list[str]:
    kind = spec["type"]
    if kind == "list":
        if not isinstance(value, list):
            return ["Member must be of type list"]
        problems: list[str] = []
        if "max" in spec and len(value) > spec["max"]:
            problems.append(f"Member must have length less than or equal to {spec['max']}")
        if "min" in spec and len(value) < spec["min"]:
            problems.append(f"Member must have length greater than or equal to {spec['min']}")
        item_spec = _model()["shapes"][spec["member"]["shape"]]
        for item in value:
            problems += _violations(item, item_spec)
        return problems
    wanted = _TYPES.get(kind)
    if wanted is not None and (
        not isinstance(value, wanted) or (kind != "boolean" and isinstance(value, bool))
    ):
        return [f"Member must be of type {kind}"]
    out: list[str] = []
    if kind == "string":
        if "max" in spec and len(value) > spec["max"]:
            out.append(f"Member must have length less than or equal to {spec['max']}")
        if "min" in spec and len(value) < spec["min"]:
            out.append(f"Member must have length greater than or equal to {spec['min']}")
        if "pattern" in spec and re.fullmatch(spec["pattern"], value) is None:
            out.append(f"Member must satisfy regular expression pattern: {spec['pattern']}")
        if "enum" in spec and value not in spec["enum"]:
            out.append(f"Member must satisfy enum value set: [{', '.join(spec['enum'])}]")
    elif kind in ("integer", "long"):
        if "max" in spec and value > spec["max"]:
            out.append(f"Member must have value less than or equal to {spec['max']}")
        if "min" in spec and value < spec["min"]:
            out.append(f"Member must have value greater than or equal to {spec['min']}")
    return out


def check_logs_request(operation: str, params: Mapping[str, Any]) -> None:
    model = _model()
    shape = model["shapes"][model["operations"][operation]["input"]["shape"]]
    found: list[str] = []
    for member, ref in shape["members"].items():
        value = params.get(member)
        if value is None:
            if member in shape.get("required", ()):
                found.append(
                    f"Value null at '{member}' failed to satisfy constraint: Member must not be null"
                )
            continue
        for text in _violations(value, model["shapes"][ref["shape"]]):
            found.append(f"Value '{value}' at '{member}' failed to satisfy constraint: {text}")
    if found:
        noun = "validation error" if len(found) == 1 else "validation errors"
        raise errors.ApiError(
            "InvalidParameterException", f"{len(found)} {noun} detected: {'; '.join(found)}"
        )
