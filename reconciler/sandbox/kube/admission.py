"""Decoding and admission of a write's object: body format, type meta, schema, ObjectMeta rules.

Contract:
- `decode_body(body, content_type=, rt=)` parses a JSON or YAML request body into an object, checks its
  `kind` / `apiVersion` against the URL's resource and raises `ApiError` as kube-apiserver does
  (400 BadRequest for undecodable bodies and a missing kind or mismatched apiVersion, 415 for other media
  types; a custom resource with the wrong kind is 422 Invalid on `kind`).
- `admit(rt, obj, validation=)` returns the object as it will be stored plus the warnings to send:
  custom resources are pruned, defaulted and validated against their CRD's openAPIV3Schema with
  `reconciler.spec.crdschema` (fieldValidation Strict -> 400 on unknown fields; Warn -> `Warning` headers;
  Ignore -> silent), then ObjectMeta rules apply; any cause -> 422 Invalid with every cause. Unqualified
  finalizer names are accepted with the API server's warning. Built-in kinds with `schema_checked` are
  judged the same way against their OpenAPI definition (`builtins.validation_schema`).
"""

from __future__ import annotations

from typing import Any

import yaml

from reconciler.sandbox.kube import builtins, gojson, objectmeta, protobuf
from reconciler.sandbox.kube.errors import ApiError, Cause, bad_request, invalid
from reconciler.sandbox.kube.registry import ResourceType
from reconciler.spec import crdschema

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
FIELD_VALIDATION = ("Strict", "Warn", "Ignore")


def decode_body(body: bytes, *, content_type: str, rt: ResourceType) -> dict[str, Any]:
    if content_type == PROTOBUF and not rt.custom:
        try:
            decoded = protobuf.decode(body)
        except ValueError as exc:
            raise bad_request(
                f"the object provided is unrecognized (must be of type {rt.kind}): {exc}"
            ) from None
        check_type_meta(decoded, rt=rt)
        return decoded
    if content_type not in (JSON, YAML, ""):
        raise ApiError(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            f"{JSON}, {YAML}",
        )
    try:
        text = body.decode()
        obj = gojson.normalize(yaml.safe_load(text)) if content_type == YAML else gojson.loads(text)
    except (ValueError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise bad_request(
            f"the object provided is unrecognized (must be of type {rt.kind}): couldn't get version/kind; "
            f"json parse error: {first_line}"
        ) from None
    if not isinstance(obj, dict):
        raise bad_request(
            f"the object provided is unrecognized (must be of type {rt.kind}): couldn't get version/kind; "
            "json parse error: the body is not a JSON object"
        )
    check_type_meta(obj, rt=rt)
    return obj


def check_type_meta(obj: dict[str, Any], *, rt: ResourceType) -> None:
    # As the API server's decoder does, a body without kind/apiVersion takes them from the URL.
    obj.setdefault("kind", rt.kind)
    obj.setdefault("apiVersion", rt.api_version)
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if api_version and api_version != rt.api_version:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API version "
            f"({rt.api_version})"
        )
    if kind != rt.kind:
        if rt.custom:
            raise invalid(
                rt.kind,
                group=rt.group,
                name=str((obj.get("metadata") or {}).get("name", "")),
                causes=[objectmeta.invalid_cause("kind", value=kind, detail=f"must be {rt.kind}")],
            )
        raise bad_request(
            f'{kind} in version "{rt.version}" cannot be handled as a {rt.kind}: the kind in the data '
            f"({kind}) does not match the expected kind ({rt.kind})"
        )
    problem = objectmeta.shape_problem(obj.get("metadata", {}))
    if problem:
        raise bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {problem}')


def admit(rt: ResourceType, *, obj: dict[str, Any], validation: str) -> tuple[dict[str, Any], list[str]]:
    warnings: list[str] = []
    causes: list[Cause] = []
    schema = rt.schema if rt.custom else builtins.validation_schema(rt) if rt.schema_checked else None
    if schema is not None:
        result = crdschema.validate_object(obj, schema=schema, strict=validation == "Strict")
        if result.strict_error is not None:
            raise bad_request(
                f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {result.strict_error}'
            )
        if validation == "Warn":
            warnings = list(result.warnings)
        obj = result.pruned
        causes = [Cause(e.type, crdschema.error_body(e), e.field) for e in result.errors]
    else:
        meta = obj.get("metadata") or {}
        unknown = sorted(
            set(meta) - set(objectmeta.prune_metadata(meta)) - {k for k, v in meta.items() if v is None}
        )
        if unknown and validation == "Strict":
            listed = ", ".join(f'unknown field "metadata.{k}"' for k in unknown)
            raise bad_request(
                f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                f"strict decoding error: {listed}"
            )
        if validation == "Warn":
            warnings = [f'unknown field "metadata.{k}"' for k in unknown]
        obj["metadata"] = objectmeta.prune_metadata(meta)
    causes += objectmeta.metadata_causes(obj, rt=rt)
    if causes:
        raise invalid(
            rt.kind, group=rt.group, name=str((obj.get("metadata") or {}).get("name", "")), causes=causes
        )
    return obj, warnings + objectmeta.finalizer_warnings(obj.get("metadata") or {})
