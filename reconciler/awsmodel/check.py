"""Full constraint check of a SageMaker operation's input against the botocore model.

Contract: `check_input(operation, params)` walks the operation's input shape and returns every
violation (not just the first) of: required members ("must not be null"), member types,
unknown members, string min/max length, pattern, enum, numeric min/max, list and map sizes, and
the constraints of list items, map keys and map values. botocore's ParamValidator only checks
required members, types, unknown members and *minimum* lengths/values; SageMaker's service
checks the rest, and this module reproduces that server-side check offline.

Violations are worded as SageMaker words its ValidationException (paths camelCased and dotted,
structure list items as ``tags.1.member.key``, scalar list items and map entries reported on
the collection as ``Member must satisfy constraint: [...]`` / ``Map value must satisfy
constraint: [...]``), and `validation_error_message` joins them into SageMaker's message text.
Pure: no I/O beyond the cached model load.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.awsmodel.loader import input_shape_name, shape
from reconciler.awsmodel.names import camel
from reconciler.awsmodel.regex import python_pattern

NOT_NULL = "Member must not be null"
UNKNOWN_MEMBER = "Member is not a recognized field"
# botocore rejects a tagged union with zero or several members set; the service does too.
UNION_ONE_MEMBER = "Member must have exactly one of its members set"


@dataclass(frozen=True)
class Violation:
    """One failed constraint: where (AWS-style camelCase path), what value, which constraint."""

    path: str
    value: Any
    constraint: str


def check_input(operation: str, params: Mapping[str, Any]) -> list[Violation]:
    """Every constraint violation of `params` as the input of SageMaker `operation`."""
    violations: list[Violation] = []
    _check_structure(params, shape_name=input_shape_name(operation), path="", out=violations)
    return violations


def validation_error_message(violations: Sequence[Violation]) -> str:
    """SageMaker's ValidationException text for `violations` ("" when there are none)."""
    if not violations:
        return ""
    count = len(violations)
    noun = "validation error" if count == 1 else "validation errors"
    details = "; ".join(
        f"Value {_render_value(v.value)} at '{v.path}' failed to satisfy constraint: {v.constraint}"
        for v in violations
    )
    return f"{count} {noun} detected: {details}"


def _render_value(value: Any) -> str:
    # SageMaker prints the Java toString() of the value, quoted; a missing value is `null`.
    if value is None:
        return "null"
    return f"'{_java_text(value)}'"


def _java_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_java_text(k)}={_java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    return str(value)


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


# --- scalar constraints, shared by members, list items and map entries -------------------------


def _type_problem(value: Any, shape_type: str) -> str | None:
    ok: bool
    if shape_type == "string":
        ok = isinstance(value, str)
    elif shape_type in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif shape_type in ("float", "double"):
        ok = isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)
    elif shape_type == "boolean":
        ok = isinstance(value, bool)
    elif shape_type == "timestamp":
        # JSON carries epoch seconds or ISO 8601 text; Python callers pass datetimes.
        ok = isinstance(value, datetime.datetime | str | int | float) and not isinstance(value, bool)
    elif shape_type == "blob":
        ok = isinstance(value, bytes | bytearray | str)
    elif shape_type == "list":
        ok = isinstance(value, list | tuple)
    else:  # structure, map
        ok = isinstance(value, Mapping)
    return None if ok else f"Member must be of type {shape_type}"


def _scalar_constraints(spec: Mapping[str, Any]) -> list[str]:
    """All constraint texts a scalar shape declares, in SageMaker's order."""
    texts: list[str] = []
    if spec["type"] == "string":
        if "max" in spec:
            texts.append(f"Member must have length less than or equal to {spec['max']}")
        if "min" in spec:
            texts.append(f"Member must have length greater than or equal to {spec['min']}")
        if "pattern" in spec:
            texts.append(_pattern_text(spec["pattern"]))
        if "enum" in spec:
            texts.append(_enum_text(spec["enum"]))
    elif spec["type"] in ("integer", "long", "float", "double"):
        if "max" in spec:
            texts.append(f"Member must have value less than or equal to {_bound(spec, 'max')}")
        if "min" in spec:
            texts.append(f"Member must have value greater than or equal to {_bound(spec, 'min')}")
    return texts


def _bound(spec: Mapping[str, Any], which: str) -> str:
    # SageMaker prints a floating-point bound as Java does (1.0, not 1), even where the model
    # stores it as an integer.
    value = spec[which]
    return repr(float(value)) if spec["type"] in ("float", "double") else str(value)


def _pattern_text(pattern: str) -> str:
    # SageMaker quotes its patterns anchored at the start (botocore stores them unanchored).
    shown = pattern if pattern.startswith("^") else "^" + pattern
    return f"Member must satisfy regular expression pattern: {shown}"


def _enum_text(values: Sequence[str]) -> str:
    return f"Member must satisfy enum value set: [{', '.join(values)}]"


def _scalar_failures(value: Any, spec: Mapping[str, Any]) -> list[str]:
    """The constraint texts `value` fails (type first: nothing else is checked on a wrong type)."""
    problem = _type_problem(value, spec["type"])
    if problem is not None:
        return [problem]
    failures: list[str] = []
    if spec["type"] == "string":
        if "max" in spec and len(value) > spec["max"]:
            failures.append(f"Member must have length less than or equal to {spec['max']}")
        if "min" in spec and len(value) < spec["min"]:
            failures.append(f"Member must have length greater than or equal to {spec['min']}")
        if "pattern" in spec:
            compiled = python_pattern(spec["pattern"])
            if compiled is not None and compiled.fullmatch(value) is None:
                failures.append(_pattern_text(spec["pattern"]))
        if "enum" in spec and value not in spec["enum"]:
            failures.append(_enum_text(spec["enum"]))
    elif spec["type"] in ("integer", "long", "float", "double"):
        if "max" in spec and value > spec["max"]:
            failures.append(f"Member must have value less than or equal to {_bound(spec, 'max')}")
        if "min" in spec and value < spec["min"]:
            failures.append(f"Member must have value greater than or equal to {_bound(spec, 'min')}")
    return failures


# --- the walk ---------------------------------------------------------------------------------


def _check_value(value: Any, *, shape_name: str, path: str, out: list[Violation]) -> None:
    spec = shape(shape_name)
    kind = spec["type"]
    if kind == "structure":
        if not isinstance(value, Mapping):
            out.append(Violation(path, value, "Member must be of type structure"))
            return
        _check_structure(value, shape_name=shape_name, path=path, out=out)
    elif kind == "list":
        _check_list(value, spec=spec, path=path, out=out)
    elif kind == "map":
        _check_map(value, spec=spec, path=path, out=out)
    else:
        out.extend(Violation(path, value, text) for text in _scalar_failures(value, spec))


def _check_structure(value: Mapping[str, Any], *, shape_name: str, path: str, out: list[Violation]) -> None:
    spec = shape(shape_name)
    members: Mapping[str, Any] = spec["members"]
    for name, member in members.items():
        member_path = _join(path, camel(name))
        if value.get(name) is None:
            if name in spec.get("required", ()):
                out.append(Violation(member_path, None, NOT_NULL))
            continue
        _check_value(value[name], shape_name=member["shape"], path=member_path, out=out)
    for name in value:
        if name not in members:
            out.append(Violation(_join(path, camel(str(name))), value[name], UNKNOWN_MEMBER))
    if spec.get("union") and sum(1 for name in members if value.get(name) is not None) != 1:
        out.append(Violation(path, dict(value), UNION_ONE_MEMBER))


def _size_failures(size: int, spec: Mapping[str, Any]) -> list[str]:
    failures: list[str] = []
    if "max" in spec and size > spec["max"]:
        failures.append(f"Member must have length less than or equal to {spec['max']}")
    if "min" in spec and size < spec["min"]:
        failures.append(f"Member must have length greater than or equal to {spec['min']}")
    return failures


def _collection_usable(
    value: Any, kind: str, *, spec: Mapping[str, Any], path: str, out: list[Violation]
) -> bool:
    """Record a list's or map's type or size problems; False when it is not a `kind` (then nothing more)."""
    problem = _type_problem(value, kind)
    if problem is not None:
        out.append(Violation(path, value, problem))
        return False
    out.extend(Violation(path, value, text) for text in _size_failures(len(value), spec))
    return True


def _check_list(value: Any, *, spec: Mapping[str, Any], path: str, out: list[Violation]) -> None:
    if not _collection_usable(value, "list", spec=spec, path=path, out=out):
        return
    item_shape_name: str = spec["member"]["shape"]
    item_spec = shape(item_shape_name)
    if item_spec["type"] in ("structure", "list", "map"):
        for index, item in enumerate(value, start=1):
            _check_value(item, shape_name=item_shape_name, path=f"{path}.{index}.member", out=out)
        return
    # Scalar items: SageMaker reports the whole collection once, quoting all item constraints.
    if any(_scalar_failures(item, item_spec) for item in value):
        out.append(Violation(path, value, _nested_text("Member", item_spec)))


def _nested_text(prefix: str, item_spec: Mapping[str, Any]) -> str:
    texts = _scalar_constraints(item_spec) or [f"Member must be of type {item_spec['type']}"]
    return f"{prefix} must satisfy constraint: [{', '.join(texts)}]"


def _check_map(value: Any, *, spec: Mapping[str, Any], path: str, out: list[Violation]) -> None:
    if not _collection_usable(value, "map", spec=spec, path=path, out=out):
        return
    key_spec = shape(spec["key"]["shape"])
    if any(_scalar_failures(key, key_spec) for key in value):
        out.append(Violation(path, value, _nested_text("Map keys", key_spec)))
    value_shape_name: str = spec["value"]["shape"]
    value_spec = shape(value_shape_name)
    if value_spec["type"] in ("structure", "list", "map"):
        for key, item in value.items():
            _check_value(item, shape_name=value_shape_name, path=f"{path}.{key}.member", out=out)
    elif any(item is None or _scalar_failures(item, value_spec) for item in value.values()):
        out.append(Violation(path, value, _nested_text("Map value", value_spec)))
