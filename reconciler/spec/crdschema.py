"""Validate and prune an object against a CRD's openAPIV3Schema the way kube-apiserver does.

Contract:
- `validate_object(obj, schema=, strict=)` returns a `SchemaResult` and never mutates `obj`.
  It follows the apiserver's order for a custom resource write:
  1. prune unknown fields (structural pruning: fields not declared under `properties` /
     `additionalProperties` are dropped, except below `x-kubernetes-preserve-unknown-fields`;
     `apiVersion`/`kind`/`metadata` are kept at the root and in `x-kubernetes-embedded-resource`
     objects, whose `metadata` keeps only ObjectMeta fields);
  2. drop `null` values of non-nullable fields that have no default;
  3. apply schema defaults;
  4. validate (kube-openapi's schema validator, then list-type map/set uniqueness).
  `SchemaResult.pruned` is the object as the apiserver would store it, `unknown_fields` the sorted
  paths pruning dropped (`spec.foo`, `spec.list[0].bar`, `metadata.foo`), `errors` the field errors
  with the apiserver's `field`, cause `type`, bad `value` and `detail`.
- `format_field_error(e)` renders an error as the apiserver does
  (`spec.x: Invalid value: 0: spec.x in body should be greater than or equal to 1`);
  `error_body(e)` is the same without the field (the `message` of a Status cause);
  `invalid_message(...)` is the message of the 422 Invalid Status.
- With `strict=True`, unknown fields also make the object unacceptable: `SchemaResult.ok` is False
  and `strict_error` carries the apiserver's `strict decoding error: unknown field "spec.foo"` text
  (fieldValidation=Strict, kubectl's default). `warnings` are the fieldValidation=Warn texts.
- Patterns are Go RE2 expressions; they are translated for Python's `re` (`\\p{L}`-style classes,
  `\\z`, `$`). A pattern RE2 cannot compile (look-around, back-references) raises `InvalidSchemaError`
  when used, as the apiserver refuses such a CRD; `schema_errors(schema)` finds them all up front
  (what a CRD create/update must refuse).
- Formats validated: date-time, date, byte, uuid (+uuid3/4/5), int32/int64/float/double are
  accepted without range checks (as kube-apiserver does); other formats are not checked.
  Not evaluated (the generated CRDs use none of them): CEL rules (`x-kubernetes-validations`),
  `anyOf`/`oneOf`/`not`, and the apiVersion/kind/metadata checks of embedded resources.
Pure: no I/O. Values are JSON-like Python values (None, bool, int, float, str, list, dict).
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
import functools
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

# Cause types, as in k8s.io/apimachinery/pkg/util/validation/field (and metav1.CauseType).
REQUIRED: Final = "FieldValueRequired"
INVALID: Final = "FieldValueInvalid"
NOT_SUPPORTED: Final = "FieldValueNotSupported"
TOO_LONG: Final = "FieldValueTooLong"
TYPE_INVALID: Final = "FieldValueTypeInvalid"
DUPLICATE: Final = "FieldValueDuplicate"
TOO_MANY: Final = "FieldValueTooMany"

_TYPE_WORDING: Final = {
    REQUIRED: "Required value",
    INVALID: "Invalid value",
    NOT_SUPPORTED: "Unsupported value",
    TOO_LONG: "Too long",
    TYPE_INVALID: "Invalid value",
    DUPLICATE: "Duplicate value",
    TOO_MANY: "Too many",
}
# These error types never print the bad value (field.Error.ErrorBody).
_VALUELESS_TYPES: Final = frozenset({REQUIRED, TOO_LONG})

# ObjectMeta's JSON members: what survives in `metadata` of a resource (root or embedded).
OBJECT_META_FIELDS: Final = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)
_META_FIELDS: Final = ("apiVersion", "kind", "metadata")


class InvalidSchemaError(ValueError):
    """The schema itself is unusable (the apiserver would refuse the CRD); `reason` without the pattern."""

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


@dataclass(frozen=True)
class FieldError:
    """One validation cause, as the apiserver reports it."""

    field: str
    type: str
    value: Any
    detail: str


@dataclass(frozen=True)
class SchemaResult:
    """The outcome of `validate_object`."""

    errors: list[FieldError]
    unknown_fields: list[str]
    pruned: dict[str, Any]
    strict: bool = False
    warnings: list[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "warnings", [f'unknown field "{path}"' for path in self.unknown_fields])

    @property
    def strict_error(self) -> str | None:
        """The 400 BadRequest text of a fieldValidation=Strict write with unknown fields, else None."""
        if not self.strict or not self.unknown_fields:
            return None
        return "strict decoding error: " + ", ".join(self.warnings)

    @property
    def ok(self) -> bool:
        return not self.errors and self.strict_error is None


def validate_object(obj: Mapping[str, Any], *, schema: Mapping[str, Any], strict: bool) -> SchemaResult:
    """Prune, default and validate `obj` (a whole resource) against a CRD version's openAPIV3Schema."""
    stored = copy.deepcopy(dict(obj))
    unknown: list[str] = []
    _prune(stored, schema, path="", unknown=unknown, embedded=True, is_root=True)
    _drop_nulls_and_default(stored, schema)
    errors: list[FieldError] = []
    _validate(stored, schema, path="", errors=errors)
    _validate_list_types(stored, schema, path="", errors=errors)
    return SchemaResult(errors=errors, unknown_fields=sorted(unknown), pruned=stored, strict=strict)


def schema_errors(schema: Mapping[str, Any]) -> list[FieldError]:
    """What kube-apiserver would refuse in the schema itself (today: patterns that are not RE2).

    `field` is relative to the openAPIV3Schema, in the apiserver's CRD style
    (`properties[spec].properties[name].pattern`); prefix it with e.g.
    `spec.versions[0].schema.openAPIV3Schema.`.
    """
    errors: list[FieldError] = []
    _collect_schema_errors(schema, path="", errors=errors)
    return errors


def _collect_schema_errors(schema: Any, *, path: str, errors: list[FieldError]) -> None:
    if not isinstance(schema, Mapping):
        return
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            compile_go_pattern(pattern)
        except InvalidSchemaError as exc:
            errors.append(
                FieldError(
                    _join(path, "pattern"),
                    INVALID,
                    pattern,
                    f"must be a valid regular expression, but isn't: {exc.reason}",
                )
            )
    for key, sub in (schema.get("properties") or {}).items():
        _collect_schema_errors(sub, path=_join(path, f"properties[{key}]"), errors=errors)
    for keyword in ("items", "additionalProperties", "not"):
        _collect_schema_errors(schema.get(keyword), path=_join(path, keyword), errors=errors)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(schema.get(keyword) or ()):
            _collect_schema_errors(sub, path=_join(path, f"{keyword}[{index}]"), errors=errors)


def error_body(error: FieldError) -> str:
    """The error without its field: `Invalid value: 0: spec.x in body should be ...`."""
    text = _TYPE_WORDING.get(error.type, f"<unknown error {go_quote(error.type)}>")
    if error.type not in _VALUELESS_TYPES:
        text += ": " + go_value(error.value)
    if error.detail:
        text += ": " + error.detail
    return text


def format_field_error(error: FieldError) -> str:
    """`field: body`, exactly as kube-apiserver prints a field.Error."""
    return f"{error.field}: {error_body(error)}"


def invalid_message(*, qualified_kind: str, name: str, errors: Sequence[FieldError]) -> str:
    """The message of the apiserver's 422 Invalid Status, e.g.
    `HyperparameterTuningJob.sagemaker.aws.amazon.com "x" is invalid: spec.y: Required value`."""
    texts: list[str] = []
    for error in errors:  # the aggregate drops exact duplicates
        text = format_field_error(error)
        if text not in texts:
            texts.append(text)
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    return f"{qualified_kind} {go_quote(name)} is invalid: {joined}"


# ---------------------------------------------------------------------------------------------
# Pruning, null dropping, defaulting


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _prune(
    value: Any,
    schema: Mapping[str, Any] | None,
    *,
    path: str,
    unknown: list[str],
    embedded: bool,
    is_root: bool,
) -> None:
    """Structural pruning (apiextensions-apiserver pkg/apiserver/schema/pruning) plus ObjectMeta pruning."""
    if schema is not None and schema.get("x-kubernetes-preserve-unknown-fields"):
        _skip_prune(value, schema, path=path, unknown=unknown)
        return
    if isinstance(value, dict):
        if schema is None:
            for key in list(value):
                unknown.append(_join(path, key))
                del value[key]
            return
        is_resource = embedded or bool(schema.get("x-kubernetes-embedded-resource"))
        _prune_members(
            value, schema, path=path, unknown=unknown, is_resource=is_resource, keep_undeclared=False
        )
    elif isinstance(value, list):
        items = schema.get("items") if schema is not None else None
        for index, item in enumerate(value):
            _prune(item, items, path=f"{path}[{index}]", unknown=unknown, embedded=False, is_root=False)


def _skip_prune(value: Any, schema: Mapping[str, Any], *, path: str, unknown: list[str]) -> None:
    """Below x-kubernetes-preserve-unknown-fields: keep unknown keys, still prune declared sub-schemas."""
    if isinstance(value, dict):
        is_resource = bool(schema.get("x-kubernetes-embedded-resource"))
        _prune_members(
            value, schema, path=path, unknown=unknown, is_resource=is_resource, keep_undeclared=True
        )
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(value):
                _skip_prune(item, items, path=f"{path}[{index}]", unknown=unknown)


def _prune_members(
    value: dict[str, Any],
    schema: Mapping[str, Any],
    *,
    path: str,
    unknown: list[str],
    is_resource: bool,
    keep_undeclared: bool,
) -> None:
    """Prune each member of an object by the sub-schema declared for it. An undeclared member is
    dropped and reported unless `keep_undeclared` (below x-kubernetes-preserve-unknown-fields) or the
    schema says `additionalProperties: true` (not allowed in structural schemas, kept anyway)."""
    properties: Mapping[str, Any] = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    for key in list(value):
        if is_resource and key in _META_FIELDS:
            if key == "metadata" and isinstance(value[key], dict):
                _prune_object_meta(value[key], path=_join(path, "metadata"), unknown=unknown)
            continue
        if key in properties:
            member_schema = properties[key]
        elif isinstance(additional, Mapping):
            member_schema = additional
        else:
            if not keep_undeclared and additional is not True:
                unknown.append(_join(path, key))
                del value[key]
            continue
        _prune(
            value[key], member_schema, path=_join(path, key), unknown=unknown, embedded=False, is_root=False
        )


def _prune_object_meta(meta: dict[str, Any], *, path: str, unknown: list[str]) -> None:
    # The apiserver decodes metadata into ObjectMeta, which silently loses unknown members; with
    # fieldValidation=Strict/Warn they are reported like other unknown fields.
    for key in list(meta):
        if key not in OBJECT_META_FIELDS:
            unknown.append(_join(path, key))
            del meta[key]


def _schema_for_key(schema: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    if schema is None:
        return None
    properties: Mapping[str, Any] = schema.get("properties") or {}
    if key in properties:
        sub: Mapping[str, Any] = properties[key]
        return sub
    additional = schema.get("additionalProperties")
    return additional if isinstance(additional, Mapping) else None


def _drop_nulls_and_default(value: Any, schema: Mapping[str, Any] | None) -> None:
    """PruneNonNullableNullsWithoutDefaults followed by structural defaulting."""
    if isinstance(value, dict):
        for key in list(value):
            sub = _schema_for_key(schema, key)
            if value[key] is None and sub is not None and not sub.get("nullable") and "default" not in sub:
                del value[key]
            elif value[key] is None and sub is not None and not sub.get("nullable") and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            else:
                _drop_nulls_and_default(value[key], sub)
        if schema is not None:
            for key, sub in (schema.get("properties") or {}).items():
                if key not in value and "default" in sub:
                    value[key] = copy.deepcopy(sub["default"])
                    _drop_nulls_and_default(value[key], sub)
    elif isinstance(value, list):
        items = schema.get("items") if schema is not None else None
        for item in value:
            _drop_nulls_and_default(item, items if isinstance(items, Mapping) else None)


# ---------------------------------------------------------------------------------------------
# Validation (kube-openapi pkg/validation/validate, mapped by apiextensions-apiserver)


# The JSON type of each Python type a decoded document holds; bool before int (a bool is an int).
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (type(None), "null"),
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _json_type(value: Any) -> str:
    for python_type, json_type in _JSON_TYPES:
        if isinstance(value, python_type):
            return json_type
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _schema_types(schema: Mapping[str, Any]) -> list[str]:
    if schema.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    declared = schema.get("type")
    return [declared] if isinstance(declared, str) and declared else []


def _type_matches(value: Any, types: list[str]) -> bool:
    kind = _json_type(value)
    if kind in types:
        return True
    if kind == "integer" and "number" in types:
        return True
    # A float with an integral value within +-(2^53-1) passes as an integer (swag.IsFloat64AJSONInteger).
    return (
        kind == "number"
        and "integer" in types
        and math.isfinite(value)
        and float(value).is_integer()
        and abs(value) <= _MAX_JSON_FLOAT_INTEGER
    )


_MAX_JSON_FLOAT_INTEGER = float(2**53 - 1)


def _validate(value: Any, schema: Mapping[str, Any], *, path: str, errors: list[FieldError]) -> None:
    types = _schema_types(schema)
    where = f"{path} in body"
    if value is None:
        if types and "null" not in types and not schema.get("nullable"):
            errors.append(_type_error(path, types, "null"))
        _check_enum(value, schema, path=path, errors=errors)
        return
    if types and not _type_matches(value, types):
        errors.append(_type_error(path, types, _json_type(value)))
    for sub in schema.get("allOf") or ():
        _validate(value, sub, path=path, errors=errors)
    if isinstance(value, str):
        _check_string(value, schema, path=path, where=where, errors=errors)
        _check_format(value, schema, path=path, where=where, errors=errors)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(value, schema, path=path, where=where, errors=errors)
    if isinstance(value, list):
        _check_array(value, schema, path=path, where=where, errors=errors)
    _check_enum(value, schema, path=path, errors=errors)
    if isinstance(value, dict):
        _check_object(value, schema, path=path, where=where, errors=errors)


def _type_error(path: str, types: list[str], actual: str) -> FieldError:
    return FieldError(
        path, TYPE_INVALID, actual, f"{path} in body must be of type {','.join(types)}: {go_quote(actual)}"
    )


def _check_string(
    value: str, schema: Mapping[str, Any], *, path: str, where: str, errors: list[FieldError]
) -> None:
    length = len(value)  # code points, like utf8.RuneCountInString
    max_length = schema.get("maxLength")
    if max_length is not None and length > max_length:
        errors.append(FieldError(path, TOO_LONG, "<value omitted>", _too_long_detail(int(max_length))))
    min_length = schema.get("minLength")
    if min_length is not None and length < min_length:
        errors.append(FieldError(path, INVALID, value, f"{where} should be at least {min_length} chars long"))
    pattern = schema.get("pattern")
    if pattern is not None and compile_go_pattern(pattern).search(value) is None:
        errors.append(FieldError(path, INVALID, value, f"{where} should match '{pattern}'"))


def _too_long_detail(max_length: int) -> str:
    unit = "byte" if max_length == 1 else "bytes"
    return f"may not be more than {max_length} {unit}"


def _check_format(
    value: str, schema: Mapping[str, Any], *, path: str, where: str, errors: list[FieldError]
) -> None:
    fmt = schema.get("format")
    if not fmt:
        return
    checker = _FORMAT_CHECKERS.get(fmt.replace("-", "").replace("_", "").lower())
    if checker is not None and not checker(value):
        errors.append(
            FieldError(path, TYPE_INVALID, value, f"{where} must be of type {fmt}: {go_quote(value)}")
        )


def _check_number(
    value: int | float, schema: Mapping[str, Any], *, path: str, where: str, errors: list[FieldError]
) -> None:
    multiple = schema.get("multipleOf")
    if multiple is not None and multiple > 0:
        quotient = value / multiple
        if not math.isclose(quotient, round(quotient), rel_tol=0, abs_tol=1e-9):
            errors.append(
                FieldError(path, INVALID, value, f"{where} should be a multiple of {go_float(multiple)}")
            )
    maximum = schema.get("maximum")
    if maximum is not None:
        if schema.get("exclusiveMaximum") and value >= maximum:
            errors.append(
                FieldError(path, INVALID, value, f"{where} should be less than {go_float(maximum)}")
            )
        elif value > maximum:
            errors.append(
                FieldError(
                    path, INVALID, value, f"{where} should be less than or equal to {go_float(maximum)}"
                )
            )
    minimum = schema.get("minimum")
    if minimum is not None:
        if schema.get("exclusiveMinimum") and value <= minimum:
            errors.append(
                FieldError(path, INVALID, value, f"{where} should be greater than {go_float(minimum)}")
            )
        elif value < minimum:
            errors.append(
                FieldError(
                    path, INVALID, value, f"{where} should be greater than or equal to {go_float(minimum)}"
                )
            )


def _check_array(
    value: list[Any], schema: Mapping[str, Any], *, path: str, where: str, errors: list[FieldError]
) -> None:
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(value):
            _validate(item, items, path=f"{path}[{index}]", errors=errors)
    min_items = schema.get("minItems")
    if min_items is not None and len(value) < min_items:
        errors.append(
            FieldError(path, INVALID, len(value), f"{where} should have at least {min_items} items")
        )
    max_items = schema.get("maxItems")
    if max_items is not None and len(value) > max_items:
        errors.append(FieldError(path, TOO_MANY, len(value), _too_many_detail(int(max_items))))
    if schema.get("uniqueItems"):
        seen: set[str] = set()
        for item in value:
            key = go_json(item)
            if key in seen:
                errors.append(FieldError(path, INVALID, value, f"{where} shouldn't contain duplicates"))
                break
            seen.add(key)


def _too_many_detail(maximum: int) -> str:
    return f"must have at most {maximum} {'item' if maximum == 1 else 'items'}"


def _check_enum(value: Any, schema: Mapping[str, Any], *, path: str, errors: list[FieldError]) -> None:
    allowed = schema.get("enum")
    if not allowed:
        return
    if any(_json_equal(value, candidate) for candidate in allowed):
        return
    supported = [c if isinstance(c, str) else go_json(c) for c in allowed]
    detail = "supported values: " + ", ".join(go_quote(s) for s in supported)
    errors.append(FieldError(path, NOT_SUPPORTED, value, detail))


def _json_equal(a: Any, b: Any) -> bool:
    numeric = {"integer", "number"}
    kind_a, kind_b = _json_type(a), _json_type(b)
    if kind_a in numeric and kind_b in numeric:
        return bool(a == b)
    return kind_a == kind_b and go_json(a) == go_json(b)


def _check_object(
    value: dict[str, Any], schema: Mapping[str, Any], *, path: str, where: str, errors: list[FieldError]
) -> None:
    count = len(value)
    min_properties = schema.get("minProperties")
    if min_properties is not None and count < min_properties:
        errors.append(
            FieldError(path, INVALID, count, f"{where} should have at least {min_properties} properties")
        )
        return  # kube-openapi stops at a property-count failure
    max_properties = schema.get("maxProperties")
    if max_properties is not None and count > max_properties:
        errors.append(FieldError(path, TOO_MANY, count, _too_many_detail(int(max_properties))))
        return
    properties: Mapping[str, Any] = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    for key, item in value.items():
        child = _join(path, key)
        if key in properties:
            _validate(item, properties[key], path=child, errors=errors)
        elif isinstance(additional, Mapping):
            _validate(item, additional, path=child, errors=errors)
    for key in schema.get("required") or ():
        if key not in value:
            errors.append(FieldError(_join(path, key), REQUIRED, "", ""))


def _validate_list_types(
    value: Any, schema: Mapping[str, Any] | None, *, path: str, errors: list[FieldError]
) -> None:
    """x-kubernetes-list-type map/set uniqueness (apiextensions-apiserver pkg/apiserver/schema/listtype)."""
    if schema is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _validate_list_types(item, _schema_for_key(schema, key), path=_join(path, key), errors=errors)
        return
    if not isinstance(value, list):
        return
    list_type = schema.get("x-kubernetes-list-type")
    if list_type == "set":
        for index in _first_repeats([go_json(item) for item in value]):
            errors.append(FieldError(f"{path}[{index}]", DUPLICATE, value[index], ""))
    elif list_type == "map":
        errors.extend(_list_map_errors(value, schema.get("x-kubernetes-list-map-keys") or [], path=path))
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(value):
            _validate_list_types(item, items, path=f"{path}[{index}]", errors=errors)


def _first_repeats(keys: Sequence[str]) -> list[int]:
    """Indices of the second occurrence of each repeated key (what validateListSet reports)."""
    counts: dict[str, int] = {}
    repeats: list[int] = []
    for index, key in enumerate(keys):
        counts[key] = counts.get(key, 0) + 1
        if counts[key] == 2:
            repeats.append(index)
    return repeats


def _list_map_errors(value: list[Any], map_keys: Sequence[str], *, path: str) -> list[FieldError]:
    for index, item in enumerate(value):
        if item is not None and not isinstance(item, dict):
            return [
                FieldError(
                    f"{path}[{index}]", INVALID, item, "must be an object for an array of list-type map"
                )
            ]
    keys = [{k: item[k] for k in map_keys if k in item} if isinstance(item, dict) else {} for item in value]
    return [
        FieldError(f"{path}[{index}]", DUPLICATE, keys[index], "")
        for index in _first_repeats([go_json(key) for key in keys])
    ]


# ---------------------------------------------------------------------------------------------
# Formats (kube-openapi strfmt)

_TIME_OF_DAY = re.compile(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.IGNORECASE)


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_date_time(text: str) -> bool:
    if len(text) < 4:
        return False
    parts = text.lower().split("t")
    if len(parts) < 2 or not _is_date(parts[0]):
        return False
    match = _TIME_OF_DAY.match(parts[1])
    return match is not None and match.group(1) <= "23" and match.group(2) <= "59" and match.group(3) <= "59"


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_uuid(text: str) -> bool:
    return _UUID.match(text) is not None


_FORMAT_CHECKERS: Final[dict[str, Callable[[str], bool]]] = {
    "datetime": _is_date_time,
    "date": _is_date,
    "byte": _is_base64,
    "uuid": _is_uuid,
    "uuid3": _is_uuid,
    "uuid4": _is_uuid,
    "uuid5": _is_uuid,
}


# ---------------------------------------------------------------------------------------------
# Go RE2 patterns in Python

_UNSUPPORTED_RE2 = re.compile(r"\(\?(?:<[=!]|[=!])|\\[1-9]")


def compile_go_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a Go RE2 `pattern` into an equivalent Python regex (searched unanchored, like MatchString)."""
    return _compile_go_pattern(pattern)


@functools.lru_cache(maxsize=1024)
def _compile_go_pattern(pattern: str) -> re.Pattern[str]:
    unsupported = _UNSUPPORTED_RE2.search(pattern)
    if unsupported:
        snippet = unsupported.group(0)
        reason = (
            f"error parsing regexp: invalid escape sequence: `{snippet}`"
            if snippet.startswith("\\")
            else f"error parsing regexp: invalid or unsupported Perl syntax: `{snippet[:3]}`"
        )
        raise InvalidSchemaError(
            f"pattern {go_quote(pattern)} is not a valid Go regular expression "
            "(RE2 has no look-around or back-references); kube-apiserver refuses this CRD",
            reason=reason,
        )
    try:
        return re.compile("".join(_translate_go_pattern(pattern)), re.ASCII)
    except re.error as exc:
        raise InvalidSchemaError(
            f"pattern {go_quote(pattern)} does not compile: {exc}", reason=f"error parsing regexp: {exc}"
        ) from exc


def _translate_go_pattern(pattern: str) -> Iterator[str]:
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            if escaped in "pP":
                name, index = _unicode_class_name(pattern, index + 2)
                ranges = _unicode_ranges(name)
                if escaped == "p":
                    yield ranges if in_class else f"[{ranges}]"
                elif in_class:
                    raise InvalidSchemaError(f"\\P{{{name}}} inside a character class is not supported")
                else:
                    yield f"[^{ranges}]"
                continue
            yield r"\Z" if escaped == "z" and not in_class else pattern[index : index + 2]
            index += 2
            continue
        if in_class:
            if char == "[" and pattern.startswith("[:", index):
                end = pattern.find(":]", index + 2)
                if end > 0:  # POSIX classes such as [:alpha:] exist in RE2, not in Python
                    yield _POSIX_CLASSES.get(pattern[index + 2 : end], "")
                    index = end + 2
                    continue
            if char == "]":
                in_class = False
            elif char == "[":
                char = r"\["
            yield char
            index += 1
            continue
        if char == "[":
            in_class = True
            yield char
            index += 1
            if pattern.startswith("^", index):
                yield "^"
                index += 1
            if pattern.startswith("]", index):  # a leading ] is literal
                yield r"\]"
                index += 1
            continue
        if pattern.startswith("(?<", index) and not pattern.startswith(("(?<=", "(?<!"), index):
            yield "(?P<"  # Go's named group (?<name>...) is Python's (?P<name>...)
            index += 3
            continue
        # Go's $ without (?m) matches only at the very end; Python's also before a final newline.
        yield r"\Z" if char == "$" else char
        index += 1


def _unicode_class_name(pattern: str, start: int) -> tuple[str, int]:
    if pattern.startswith("{", start):
        end = pattern.find("}", start)
        if end < 0:
            raise InvalidSchemaError(f"unterminated \\p{{ in pattern {go_quote(pattern)}")
        return pattern[start + 1 : end], end + 1
    return pattern[start : start + 1], start + 1


_POSIX_CLASSES: Final = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": r"\x00-\x7f",
    "blank": r"\t ",
    "cntrl": r"\x00-\x1f\x7f",
    "digit": "0-9",
    "graph": r"!-~",
    "lower": "a-z",
    "print": r" -~",
    "punct": r"!-/:-@\[-`{-~",
    "space": r"\t\n\v\f\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}


@functools.lru_cache(maxsize=64)
def _unicode_ranges(category: str) -> str:
    """A character-class body for a Unicode general category (prefix) such as L, Lu, N, Z."""
    if not category or not category.isalpha() or len(category) > 2:
        raise InvalidSchemaError(f"unsupported Unicode class \\p{{{category}}}")
    parts: list[str] = []
    start: int | None = None
    for code in range(sys.maxunicode + 2):
        inside = code <= sys.maxunicode and unicodedata.category(chr(code)).startswith(category)
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            end = code - 1
            parts.append(_class_char(start) if start == end else f"{_class_char(start)}-{_class_char(end)}")
            start = None
    if not parts:
        raise InvalidSchemaError(f"unknown Unicode class \\p{{{category}}}")
    return "".join(parts)


def _class_char(code: int) -> str:
    return f"\\U{code:08x}"


# ---------------------------------------------------------------------------------------------
# Go value rendering (fmt %q / %v, encoding/json)


def go_quote(text: str) -> str:
    """Go's strconv.Quote."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable() or char == " ":
            out.append(char)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES: Final = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": r"\\",
    '"': r"\"",
}


def go_float(number: float | int) -> str:
    """Go's %v of a float64: shortest digits, exponent form when the exponent is < -4 or >= 6."""
    number = float(number)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "-0" if math.copysign(1, number) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(number)).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    exp10 = len(digits) + exponent - 1
    prefix = "-" if sign else ""
    if exp10 < -4 or exp10 >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    return prefix + _plain_decimal(digits, exponent)


def _plain_decimal(digits: str, exponent: int) -> str:
    if exponent >= 0:
        return digits + "0" * exponent
    point = len(digits) + exponent
    if point > 0:
        return digits[:point] + "." + digits[point:]
    return "0." + "0" * (-point) + digits


def go_json_float(number: float) -> str:
    """encoding/json's float64: plain between 1e-6 and 1e21, else shortest exponent form (`1e-7`, `1e+21`)."""
    if not math.isfinite(number):
        raise ValueError(f"unsupported value: {number!r}")
    if number == 0:
        return "-0" if math.copysign(1, number) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(number)).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    prefix = "-" if sign else ""
    if 1e-6 <= abs(number) < 1e21:
        return prefix + _plain_decimal(digits, exponent)
    exp10 = len(digits) + exponent - 1
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{prefix}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10)}"


def go_json(value: Any) -> str:
    """encoding/json.Marshal of a JSON-like value (sorted keys, no spaces, <>& escaped)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_json_float(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(go_json(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_json_string(str(k))}:{go_json(value[k])}" for k in sorted(value)) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _json_string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif code < 0x20 or char in "<>&" or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def go_value(value: Any) -> str:
    """How field.Error.ErrorBody prints a bad value: numbers, bools plainly; strings %q; the rest JSON."""
    if isinstance(value, float):
        return go_float(value)  # %v of a float64, which differs from its JSON spelling
    if isinstance(value, str):
        return go_quote(value)
    return go_json(value)  # bools and integers print as their JSON
