"""The JSONPath subset CRD printer columns use, evaluated like client-go's jsonpath.

Contract: `find(obj, expression)` returns every value the expression selects (possibly none) for
expressions made of `.field`, `['field']`, `[N]`, `[*]` and filters `[?(@.a.b=="x")]` / `[?(@.a!=1)]`;
`render(value)` prints one value as Go's jsonpath printer does (strings bare, maps and lists as JSON).
`JsonPathError` is raised for an expression outside that subset.
"""

from __future__ import annotations

import json
import re
from typing import Any


class JsonPathError(ValueError):
    pass


_TOKEN = re.compile(
    r"""\.\.?(?P<field>[A-Za-z0-9_$-]+)      # .field
      | \[\s*'(?P<quoted>[^']*)'\s*\]          # ['field']
      | \[\s*(?P<index>-?\d+)\s*\]             # [N]
      | \[\s*\*\s*\]                          # [*]
      | \[\s*\?\(\s*@(?P<lhs>(?:\.[A-Za-z0-9_-]+)*)\s*(?P<op>==|!=)\s*      # [?(@.a.b == ...
        (?P<rhs>"[^"]*"|'[^']*'|-?\d+(?:\.\d+)?|true|false)\s*\)\s*\]          #   "x" | 'x' | 1 | true)]
    """,
    re.VERBOSE,
)


def _parse(expression: str) -> list[tuple[str, Any]]:
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    steps: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise JsonPathError(f"unrecognized JSONPath at {text[pos:]!r} in {expression!r}")
        if m.group("field") is not None:
            steps.append(("field", m.group("field")))
        elif m.group("quoted") is not None:
            steps.append(("field", m.group("quoted")))
        elif m.group("index") is not None:
            steps.append(("index", int(m.group("index"))))
        elif m.group("op") is not None:
            rhs_text = m.group("rhs")
            rhs: Any = rhs_text[1:-1] if rhs_text[0] in "\"'" else json.loads(rhs_text)
            path = [p for p in m.group("lhs").split(".") if p]
            steps.append(("filter", (path, m.group("op"), rhs)))
        else:
            steps.append(("all", None))
        pos = m.end()
    return steps


def _lookup(value: Any, path: list[str]) -> tuple[bool, Any]:
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def find(obj: Any, *, expression: str) -> list[Any]:
    current = [obj]
    for kind, arg in _parse(expression):
        following: list[Any] = []
        for value in current:
            if kind == "field":
                if isinstance(value, dict) and arg in value:
                    following.append(value[arg])
            elif kind == "index":
                if isinstance(value, list) and -len(value) <= arg < len(value):
                    following.append(value[arg])
            elif kind == "all":
                if isinstance(value, list):
                    following.extend(value)
                elif isinstance(value, dict):
                    following.extend(value.values())
            else:
                path, op, rhs = arg
                for item in value if isinstance(value, list) else []:
                    found, got = _lookup(item, path)
                    if found and ((got == rhs) == (op == "==")):
                        following.append(item)
        current = following
    return current


def render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
