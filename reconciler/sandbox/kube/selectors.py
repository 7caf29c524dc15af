"""Label and field selectors, parsed and matched as the API server does.

Contract: `parse_label_selector(text)` / `parse_field_selector(text, allowed=)` return a predicate over
an object's labels / selectable fields, or raise `ApiError` 400 BadRequest with a one-line reason.
Label selectors support equality (`a=b`, `a==b`, `a!=b`) and set-based requirements (`a in (x,y)`,
`a notin (x)`, `a`, `!a`), comma-separated and ANDed. Field selectors support `=`, `==`, `!=` on the
fields the resource allows (`metadata.name`, `metadata.namespace` and the kind's selectable fields).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

from reconciler.sandbox.kube.errors import ApiError, bad_request

LabelPredicate = Callable[[Mapping[str, str]], bool]
FieldPredicate = Callable[[Mapping[str, str]], bool]

_SET_REQUIREMENT = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_EQUALITY = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*$")


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside a `( ... )` value set."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def _label_requirement(text: str) -> LabelPredicate:
    eq = _EQUALITY.match(text)
    if eq and not re.match(r"^\s*\S+\s+(in|notin)\b", text):
        key, op, value = eq.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    m = _SET_REQUIREMENT.match(text)
    if not m:
        raise bad_request(
            f"unable to parse requirement: found '{text.strip()}', expected: key, !key, key=value, "
            "key!=value, key in (values) or key notin (values)"
        )
    negated, key, op, values_text = m.groups()
    if negated and op:
        raise bad_request(
            f"unable to parse requirement: '!' cannot be combined with '{op}' in '{text.strip()}'"
        )
    if op:
        values = frozenset(v.strip() for v in values_text.split(",") if v.strip())
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if negated:
        return lambda labels: key not in labels
    return lambda labels: key in labels


def parse_label_selector(text: str) -> LabelPredicate | None:
    if not text.strip():
        return None
    requirements = [_label_requirement(part) for part in _split_top_level(text)]
    return lambda labels: all(r(labels) for r in requirements)


def _field_requirement(field: str, value: str, *, negated: bool) -> FieldPredicate:
    if negated:
        return lambda fields: fields.get(field, "") != value
    return lambda fields: fields.get(field, "") == value


def parse_field_selector(text: str, *, allowed: Collection[str]) -> FieldPredicate | None:
    if not text.strip():
        return None
    requirements: list[FieldPredicate] = []
    for part in _split_top_level(text):
        m = re.match(r"^\s*([A-Za-z0-9._/-]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not m:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        field, op, value = m.groups()
        if field not in allowed:
            raise ApiError(400, "BadRequest", f"field label not supported: {field}")
        requirements.append(_field_requirement(field, value, negated=op == "!="))
    return lambda fields: all(r(fields) for r in requirements)
