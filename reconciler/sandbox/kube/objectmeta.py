"""ObjectMeta rules every write obeys: name formats, label and annotation syntax, size limits.

Contract: `metadata_causes(obj, rt=)` returns the `Cause`s kube-apiserver's ObjectMeta validation would
report (empty when valid), with its field paths and message wording; `prune_metadata` drops members
ObjectMeta does not have (as decoding into the typed struct does); `generate_name` appends the 5 random
characters the API server uses for `generateName`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.kube.errors import Cause
from reconciler.sandbox.kube.registry import ResourceType
from reconciler.spec.crdschema import OBJECT_META_FIELDS

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_NAME_PART_MESSAGE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_LABEL_VALUE_MESSAGE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def quote(value: Any) -> str:
    """Go's %q-like rendering used in `Invalid value: "x"` messages."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def invalid_cause(field: str, *, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", f"Invalid value: {quote(value)}: {detail}", field)


def name_causes(name: str, *, rt: ResourceType, field: str = "metadata.name") -> list[Cause]:
    if rt.plural == "namespaces":
        causes = [] if _LABEL.match(name) else [invalid_cause(field, value=name, detail=LABEL_MESSAGE)]
        if len(name) > 63:
            causes.append(invalid_cause(field, value=name, detail="must be no more than 63 characters"))
        return causes
    causes = [] if _SUBDOMAIN.match(name) else [invalid_cause(field, value=name, detail=SUBDOMAIN_MESSAGE)]
    if len(name) > 253:
        causes.append(invalid_cause(field, value=name, detail="must be no more than 253 characters"))
    return causes


def _qualified_name_causes(key: str, field: str) -> list[Cause]:
    prefix, _, name = key.rpartition("/")
    causes = []
    if not _QUALIFIED_NAME_PART.match(name):
        causes.append(invalid_cause(field, value=key, detail=_NAME_PART_MESSAGE))
    elif len(name) > 63:
        causes.append(invalid_cause(field, value=key, detail="name part must be no more than 63 characters"))
    if "/" in key and (not _SUBDOMAIN.match(prefix) or len(prefix) > 253):
        causes.append(invalid_cause(field, value=key, detail="prefix part " + SUBDOMAIN_MESSAGE))
    return causes


def metadata_causes(obj: Mapping[str, Any], *, rt: ResourceType) -> list[Cause]:
    meta = obj.get("metadata") or {}
    causes: list[Cause] = []
    name = meta.get("name")
    if name:
        causes += name_causes(str(name), rt=rt)
    labels = meta.get("labels") or {}
    for key, value in labels.items():
        causes += _qualified_name_causes(str(key), "metadata.labels")
        if not isinstance(value, str) or not _LABEL_VALUE.match(value):
            causes.append(invalid_cause("metadata.labels", value=value, detail=_LABEL_VALUE_MESSAGE))
        elif len(value) > 63:
            causes.append(
                invalid_cause("metadata.labels", value=value, detail="must be no more than 63 characters")
            )
    annotations = meta.get("annotations") or {}
    total = 0
    for key, value in annotations.items():
        causes += _qualified_name_causes(str(key).lower(), "metadata.annotations")
        total += len(str(key)) + len(str(value))
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        causes.append(
            Cause(
                "FieldValueTooLong",
                f"Too long: must have at most {TOTAL_ANNOTATION_SIZE_LIMIT} bytes",
                "metadata.annotations",
            )
        )
    causes += owner_reference_causes(meta)
    for i, finalizer in enumerate(meta.get("finalizers") or ()):
        # Custom resources accept any qualified name (the legacy `sagemaker-operator-finalizer` included);
        # the server only warns about unqualified ones.
        causes += _qualified_name_causes(str(finalizer), f"metadata.finalizers[{i}]")
    return causes


_JSON_TYPE = {dict: "object", list: "array", str: "string", bool: "bool", int: "number", float: "number"}
_SHAPES: dict[str, tuple[type, str]] = {
    "name": (str, "string"),
    "generateName": (str, "string"),
    "namespace": (str, "string"),
    "uid": (str, "string"),
    "resourceVersion": (str, "string"),
    "labels": (dict, "map[string]string"),
    "annotations": (dict, "map[string]string"),
    "finalizers": (list, "[]string"),
    "ownerReferences": (list, "[]v1.OwnerReference"),
    "generation": (int, "int64"),
}


def _json_type(value: Any) -> str:
    return "null" if value is None else _JSON_TYPE.get(type(value), type(value).__name__)


def shape_problem(meta: Any) -> str | None:
    """Why `metadata` could not be decoded into ObjectMeta (a 400 in the API server), or None."""
    if not isinstance(meta, dict):
        return (
            f"json: cannot unmarshal {_json_type(meta)} into Go struct field .metadata of type v1.ObjectMeta"
        )
    for key, (expected, go_type) in _SHAPES.items():
        value = meta.get(key)
        if value is None:
            continue
        member_type: type = dict if key == "ownerReferences" else str
        members = (
            list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
        )
        wrong = [m for m in members if not isinstance(m, member_type)]
        if not isinstance(value, expected) or isinstance(value, bool) or wrong:
            shown = wrong[0] if wrong else value
            return (
                f"json: cannot unmarshal {_json_type(shown)} into Go struct field ObjectMeta.metadata.{key} "
                f"of type {go_type}"
            )
    return None


_STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})


def finalizer_warnings(meta: Mapping[str, Any]) -> list[str]:
    """The API server accepts unqualified finalizer names (the legacy operator's included) with a warning."""
    return [
        f'metadata.finalizers: "{f}": prefer a domain-qualified finalizer name including a path (/) to avoid '
        "accidental conflicts with other finalizer writers"
        for f in meta.get("finalizers") or ()
        if "/" not in str(f) and f not in _STANDARD_FINALIZERS
    ]


def owner_reference_causes(meta: Mapping[str, Any]) -> list[Cause]:
    causes = []
    for i, ref in enumerate(meta.get("ownerReferences") or ()):
        for required in ("apiVersion", "kind", "name", "uid"):
            if not ref.get(required):
                field = f"metadata.ownerReferences[{i}].{required}"
                causes.append(
                    invalid_cause(field, value=ref.get(required, ""), detail=f"{required} must not be empty")
                )
    return causes


def prune_metadata(meta: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if k in OBJECT_META_FIELDS and v is not None}


_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def generate_name(prefix: str) -> str:
    # The API server truncates the prefix so that prefix + 5 random characters fits 63 characters.
    return prefix[:58] + "".join(random.choice(_GENERATE_ALPHABET) for _ in range(5))
