"""JSON numbers as kube-apiserver decodes them into unstructured objects.

Contract: `loads(text)` parses JSON like `json.loads`, except numbers follow sigs.k8s.io/json's
`UnmarshalCaseSensitivePreserveInts` (what the API server uses for request bodies and patches): an integer
literal within int64 stays an integer, any other number becomes a float64, and a number a float64 cannot
hold (`1e400`, a 400-digit integer) is a decode error: `ValueError` with strconv's message
(`strconv.ParseFloat: parsing "1e400": value out of range`). `normalize(obj)` applies the same rule to a
value decoded another way (YAML bodies, which the server converts to JSON first).

A float above 2^53 is then no longer an "integer" for schema validation (kube-openapi accepts floats as
integers only within +-(2^53-1), `swag.IsFloat64AJSONInteger`), so an integer field given a value outside
int64 is rejected as the real server rejects it.
"""

from __future__ import annotations

import json
import math
from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _number(text: str) -> int | float:
    if "." not in text and "e" not in text.lower():
        value = int(text)
        if INT64_MIN <= value <= INT64_MAX:
            return value
    number = float(text)
    if math.isinf(number):
        raise ValueError(f'strconv.ParseFloat: parsing "{text}": value out of range')
    return number


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_int=_number, parse_float=_number)


def normalize(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else _number(str(value))
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            raise ValueError(f'strconv.ParseFloat: parsing "{value}": value out of range')
        return value
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value
