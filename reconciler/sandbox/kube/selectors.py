"""Label and field selectors, parsed and matched as the API server does.

Contract: `parse_label_selector(text)` / `parse_field_selector(text, allowed=)` return a predicate over
an object's labels / selectable fields (None for an empty selector), or raise `ApiError` 400 BadRequest
with kube-apiserver's message.

Label selectors follow apimachinery `pkg/labels/selector.go` (v0.32): the same tokens (`=`, `==`, `!=`,
`in`, `notin`, `!`, `>`, `<`, `(`, `)`, `,`; identifiers run until whitespace or one of `=!(),<>`), the same
grammar and parse errors ("found 'x', expected: ..."), and `NewRequirement`'s validation: every key must
be a qualified name and every value a valid label value (at most 63 characters), otherwise
`unable to parse requirement: <field error>`, e.g. `values[0][team]: Invalid value: "...": must be no more
than 63 characters`. The list handler answers that as 400 BadRequest with the parse error as its message
(`errors.NewBadRequest(err.Error())` in apiserver's `handlers/get.go`). Matching: `!=`/`notin` match objects
without the key; `>`/`<` compare base-10 int64 values. Field selectors support `=`, `==`, `!=` on the fields
the resource allows (`metadata.name`, `metadata.namespace` and the kind's selectable fields).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from reconciler.sandbox.kube import names
from reconciler.sandbox.kube.errors import ApiError, bad_request
from reconciler.sandbox.kube.objectmeta import quote

LabelPredicate = Callable[[Mapping[str, str]], bool]
FieldPredicate = Callable[[Mapping[str, str]], bool]


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


# -- label selectors: lexer ---------------------------------------------------------------------------------
_END, _IDENT, _ERROR = "end", "identifier", "error"
_KEYWORDS = {
    ")": ")",
    ",": ",",
    "!": "!",
    "==": "==",
    "=": "=",
    ">": ">",
    "in": "in",
    "<": "<",
    "!=": "!=",
    "notin": "notin",
    "(": "(",
}
_SPECIAL = frozenset("=!(),<>")
_WHITESPACE = frozenset(" \t\r\n")
_BINARY_OPERATORS = ("in", "notin", "=", "==", "!=", ">", "<")


def _lex(text: str) -> list[tuple[str, str]]:
    """Tokens as (type, literal); the type of a keyword or symbol is its own text."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in _WHITESPACE:
            i += 1
        if i >= n:
            tokens.append((_END, ""))
            return tokens
        if text[i] in _SPECIAL:
            # The longest run of special symbols that is still a token ("!=" but "!" then "(").
            buffer, last = "", ("", "")
            while i < n and text[i] in _SPECIAL:
                buffer += text[i]
                if buffer in _KEYWORDS:
                    last = (_KEYWORDS[buffer], buffer)
                    i += 1
                elif last[0]:
                    break
                else:
                    i += 1
            if not last[0]:
                tokens.append((_ERROR, f"error expected: keyword found '{buffer}'"))
            else:
                tokens.append(last)
            continue
        start = i
        while i < n and text[i] not in _SPECIAL and text[i] not in _WHITESPACE:
            i += 1
        word = text[start:i]
        tokens.append((_KEYWORDS[word], word) if word in _KEYWORDS else (_IDENT, word))


class _ParseError(Exception):
    pass


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # one of _BINARY_OPERATORS, "exists", "!"
    values: tuple[str, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator in ("in", "=", "=="):
            return self.key in labels and labels[self.key] in self.values
        if self.operator in ("notin", "!="):
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "exists":
            return self.key in labels
        if self.operator == "!":
            return self.key not in labels
        if self.key not in labels:
            return False
        try:
            have, want = _int64(labels[self.key]), _int64(self.values[0])
        except ValueError:
            return False
        return have > want if self.operator == ">" else have < want


def _int64(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(text)
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError(text)
    return value


def _invalid(field: str, value: object, detail: str) -> str:
    if isinstance(value, list):  # Go's %#v of a []string
        shown = "[]string{" + ", ".join(quote(v) for v in value) + "}"
    else:
        shown = quote(value)
    return f"{field}: Invalid value: {shown}: {detail}"


def _key_error(key: str, field: str) -> str | None:
    errs = names.is_qualified_name(key)
    return _invalid(field, key, "; ".join(errs)) if errs else None


def _new_requirement(key: str, operator: str, values: list[str]) -> Requirement:
    """`NewRequirement`: validation errors aggregated as Go's ToAggregate renders them."""
    errors: list[str] = []
    key_error = _key_error(key, "key")
    if key_error:
        errors.append(key_error)
    if operator in ("in", "notin") and not values:
        errors.append(_invalid("values", values, "for 'in', 'notin' operators, values set can't be empty"))
    if operator in ("=", "==", "!=") and len(values) != 1:
        errors.append(_invalid("values", values, "exact-match compatibility requires one single value"))
    if operator in (">", "<"):
        if len(values) != 1:
            errors.append(
                _invalid("values", values, "for 'Gt', 'Lt' operators, exactly one value is required")
            )
        for i, value in enumerate(values):
            try:
                _int64(value)
            except ValueError:
                errors.append(
                    _invalid(f"values[{i}]", value, "for 'Gt', 'Lt' operators, the value must be an integer")
                )
    for i, value in enumerate(values):
        errs = names.is_valid_label_value(value)
        if errs:
            errors.append(_invalid(f"values[{i}][{key}]", value, "; ".join(errs)))
    errors = list(dict.fromkeys(errors))
    if errors:
        raise _ParseError(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
    return Requirement(key, operator, tuple(values))


class _Parser:
    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.position = 0

    def _look(self, *, values: bool = True) -> tuple[str, str]:
        tok, lit = self.items[self.position]
        if values and tok in ("in", "notin"):  # keywords are plain identifiers where values are read
            tok = _IDENT
        return tok, lit

    def _take(self, *, values: bool = True) -> tuple[str, str]:
        item = self._look(values=values)
        self.position += 1
        return item

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            tok, lit = self._look()
            if tok in (_IDENT, "!"):
                try:
                    requirements.append(self._requirement())
                except _ParseError as exc:
                    raise _ParseError(f"unable to parse requirement: {exc}") from None
                tok, lit = self._take()
                if tok == _END:
                    return requirements
                if tok == ",":
                    after, after_lit = self._look()
                    if after not in (_IDENT, "!"):
                        raise _ParseError(f"found '{after_lit}', expected: identifier after ','")
                    continue
                raise _ParseError(f"found '{lit}', expected: ',' or 'end of string'")
            if tok == _END:
                return requirements
            raise _ParseError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def _requirement(self) -> Requirement:
        operator = ""
        tok, key = self._take()
        if tok == "!":
            operator = "!"
            tok, key = self._take()
        if tok != _IDENT:
            raise _ParseError(f"found '{key}', expected: identifier")
        # The parser validates the key with its own (nil) field path, which Go renders as "<nil>".
        key_error = _key_error(key, "<nil>")
        if key_error:
            raise _ParseError(key_error)
        if self._look()[0] in (_END, ","):
            return _new_requirement(key, operator or "exists", [])
        if operator == "!":
            return _new_requirement(key, "!", [])
        tok, lit = self._take(values=False)
        if tok not in _BINARY_OPERATORS:
            raise _ParseError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        values = self._value_set() if tok in ("in", "notin") else self._exact_value()
        return _new_requirement(key, tok, sorted(values))

    def _value_set(self) -> set[str]:
        tok, lit = self._take()
        if tok != "(":
            raise _ParseError(f"found '{lit}' expected: '('")
        tok, lit = self._look()
        if tok == ")":
            self._take()
            return {""}
        if tok not in (_IDENT, ","):
            raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self._identifiers()
        if self._take()[0] != ")":
            raise _ParseError(f"found '{lit}', expected: ')'")
        return values

    def _identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self._take()
            if tok == _IDENT:
                values.add(lit)
                after, after_lit = self._look()
                if after == ",":
                    continue
                if after == ")":
                    return values
                raise _ParseError(f"found '{after_lit}', expected: ',' or ')'")
            if tok == ",":
                if not values:
                    values.add("")  # "(,"
                after = self._look()[0]
                if after == ")":
                    values.add("")  # ",)"
                    return values
                if after == ",":
                    self._take()
                    values.add("")  # ",,"
                continue
            raise _ParseError(f"found '{lit}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        tok, lit = self._look()
        if tok in (_END, ","):
            return {""}
        tok, lit = self._take()
        if tok == _IDENT:
            return {lit}
        raise _ParseError(f"found '{lit}', expected: identifier")


def parse_label_requirements(text: str) -> list[Requirement]:
    """The requirements of a label selector, or 400 BadRequest with the API server's parse error."""
    try:
        return _Parser(text).parse()
    except _ParseError as exc:
        raise bad_request(str(exc)) from None


def parse_label_selector(text: str) -> LabelPredicate | None:
    requirements = parse_label_requirements(text)
    if not requirements:
        return None
    return lambda labels: all(r.matches(labels) for r in requirements)


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
