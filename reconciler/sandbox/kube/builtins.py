"""What the emulator knows about built-in kinds beyond storage: their schemas and their validation rules.

Contract:
- `definition(name)` is one OpenAPI definition; `definition_closure(name)` is every OpenAPI definition
  `name` refers to (itself included), as served under /openapi/v3 (kubectl reads the patch metadata
  there to compute strategic merge patches).
- `validation_schema(rt)` is the kind's definition with its references inlined, in the form
  `reconciler.spec.crdschema` validates (as the API server's decoder and validation refuse unknown fields with
  fieldValidation=Strict, wrong types and missing required fields); `metadata` is left to the ObjectMeta
  rules every kind shares.
- `patch_schema(schema, key)` resolves a field's schema for strategic merge patch, and
  `list_merge_key(schema)` says whether a list merges (and by which key) instead of being replaced.
- `rule_causes(rt, obj, old=)` are the kind-specific rules kube-apiserver's validation adds on top of the
  schema, for the cheap ones: a CronJob's schedule and time zone, a Job template's restartPolicy,
  RBAC roleRef (kind, apiGroup, immutable), subjects and policy rules. Each is an Invalid cause.
Pure: no I/O.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.kube.builtin_openapi_data import DEFINITIONS
from reconciler.sandbox.kube.errors import Cause
from reconciler.sandbox.kube.objectmeta import invalid_cause
from reconciler.sandbox.kube.registry import (
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    CRONJOB,
    JOB,
    ROLE,
    ROLE_BINDING,
    ResourceType,
)

_REF_PREFIX = "#/components/schemas/"


def _ref_name(schema: Mapping[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref[len(_REF_PREFIX) :] if isinstance(ref, str) and ref.startswith(_REF_PREFIX) else None


def schema_refs(schema: Any) -> list[str]:
    """The definition names `schema` references (`#/components/schemas/<name>`), nested ones included."""
    if isinstance(schema, list):
        return [r for s in schema for r in schema_refs(s)]
    if not isinstance(schema, dict):
        return []
    found = []
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str):
            found.append(value[len(_REF_PREFIX) :])
        elif key == "properties":
            found.extend(r for sub in value.values() for r in schema_refs(sub))
        else:
            found.extend(schema_refs(value))
    return found


def definition(name: str) -> Mapping[str, Any] | None:
    """The OpenAPI definition called `name` (`io.k8s.api.batch.v1.CronJob`), None when unknown."""
    return DEFINITIONS.get(name)


@functools.cache
def definition_closure(name: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen or current not in DEFINITIONS:
            continue
        seen[current] = None
        pending.extend(schema_refs(DEFINITIONS[current]))
    return tuple(seen)


def resolve(schema: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """Follow a `$ref` (and a single-entry `allOf`, as kubectl does) to the schema it names."""
    if schema is None:
        return None
    if schema.get("allOf"):
        schema = schema["allOf"][0]
    name = _ref_name(schema)
    return DEFINITIONS.get(name) if name else schema


def _inline(schema: Any, *, active: frozenset[str]) -> Any:
    if isinstance(schema, list):
        return [_inline(s, active=active) for s in schema]
    if not isinstance(schema, dict):
        return schema
    name = _ref_name(schema)
    if name is not None:
        if name in active:  # a recursive type (none among the checked kinds): accept anything below
            return {"x-kubernetes-preserve-unknown-fields": True}
        return _inline(DEFINITIONS[name], active=active | {name})
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            result[key] = {k: _inline(v, active=active) for k, v in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            result[key] = _inline(value, active=active)
        elif not key.startswith("x-kubernetes-patch") and key != "x-kubernetes-group-version-kind":
            result[key] = value
    if result.get("type") == "object" and "properties" not in result and "additionalProperties" not in result:
        # An object without declared fields in the OpenAPI (RawExtension-like): kept as sent.
        result["x-kubernetes-preserve-unknown-fields"] = True
    return result


@functools.cache
def _validation_schema(definition: str) -> Mapping[str, Any]:
    schema = dict(_inline(DEFINITIONS[definition], active=frozenset({definition})))
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k != "metadata"}
    return schema


def validation_schema(rt: ResourceType) -> Mapping[str, Any]:
    return _validation_schema(rt.definition)


# -- strategic merge patch metadata ------------------------------------------------------------------------
def patch_schema(schema: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    """The schema of field `key` of the object `schema` describes (None when unknown)."""
    resolved = resolve(schema)
    if resolved is None:
        return None
    properties = resolved.get("properties") or {}
    if key in properties:
        field: Mapping[str, Any] = properties[key]
        return field
    additional = resolved.get("additionalProperties")
    return additional if isinstance(additional, dict) else None


def list_merge_key(schema: Mapping[str, Any] | None) -> tuple[bool, str | None]:
    """(merges, merge key) of a list field: lists without the `merge` strategy are replaced whole."""
    if schema is None:
        return False, None
    strategies = str(schema.get("x-kubernetes-patch-strategy", "")).split(",")
    if "merge" not in strategies:
        return False, None
    key = schema.get("x-kubernetes-patch-merge-key")
    return True, str(key) if key else None


def items_schema(schema: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if schema is None:
        return None
    items = schema.get("items")
    return resolve(items) if isinstance(items, dict) else None


# -- kind-specific validation --------------------------------------------------------------------------
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_CRON_FIELDS = (  # (name, minimum, maximum, names)
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    ("day of week", 0, 6, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)
_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


def _cron_value(text: str, *, minimum: int, maximum: int, names: tuple[str, ...]) -> int:
    if text.lower() in names:
        return names.index(text.lower()) + (1 if minimum == 1 else 0)
    if not text.isdigit():
        raise ValueError(f"failed to parse int from {text}")
    value = int(text)
    if value < minimum:
        raise ValueError(f"beginning of range ({value}) below minimum ({minimum}): {text}")
    if value > maximum:
        raise ValueError(f"end of range ({value}) above maximum ({maximum}): {text}")
    return value


def cron_problem(schedule: str) -> str | None:
    """Why the standard cron parser kube-controller-manager uses would refuse `schedule` (None: valid)."""
    text = schedule.strip()
    if "TZ=" in text:
        return "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
    if text.startswith("@"):
        if text in _CRON_MACROS:
            return None
        if text.startswith("@every ") and _DURATION.match(text[len("@every ") :].strip()):
            return None
        return f"unrecognized descriptor: {text}"
    fields = text.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: {text}"
    for field_text, (_, minimum, maximum, names) in zip(fields, _CRON_FIELDS, strict=True):
        for item in field_text.split(","):
            span, _, step = item.partition("/")
            try:
                if step and (not step.isdigit() or int(step) == 0):
                    raise ValueError(f"failed to parse int from {step}")
                if span in ("*", "?"):
                    continue
                low, _, high = span.partition("-")
                start = _cron_value(low, minimum=minimum, maximum=maximum, names=names)
                end = _cron_value(high, minimum=minimum, maximum=maximum, names=names) if high else start
                if start > end:
                    raise ValueError(f"beginning of range ({start}) beyond end of range ({end}): {item}")
            except ValueError as exc:
                return str(exc)
    return None


def _cronjob_causes(obj: Mapping[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes = []
    schedule = spec.get("schedule")
    if isinstance(schedule, str):
        problem = cron_problem(schedule) if schedule.strip() else None
        if not schedule.strip():
            causes.append(Cause("FieldValueRequired", "Required value", "spec.schedule"))
        elif problem:
            causes.append(invalid_cause("spec.schedule", value=schedule, detail=problem))
    time_zone = spec.get("timeZone")
    if isinstance(time_zone, str):
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            causes.append(
                invalid_cause("spec.timeZone", value=time_zone, detail=f"unknown time zone {time_zone}")
            )
    policy = spec.get("concurrencyPolicy")
    if policy is not None and policy not in ("Allow", "Forbid", "Replace"):
        causes.append(_unsupported("spec.concurrencyPolicy", policy, ("Allow", "Forbid", "Replace")))
    job_spec = (spec.get("jobTemplate") or {}).get("spec")
    if isinstance(job_spec, Mapping):
        causes.extend(_job_spec_causes(job_spec, path="spec.jobTemplate.spec"))
    return causes


def _job_spec_causes(spec: Mapping[str, Any], *, path: str) -> list[Cause]:
    pod_spec = (spec.get("template") or {}).get("spec")
    if not isinstance(pod_spec, Mapping):
        return []
    policy = pod_spec.get("restartPolicy")
    field = f"{path}.template.spec.restartPolicy"
    if policy is None:
        return [Cause("FieldValueRequired", 'Required value: valid values: "OnFailure", "Never"', field)]
    if policy not in ("OnFailure", "Never"):
        return [_unsupported(field, policy, ("OnFailure", "Never"))]
    return []


def _unsupported(field: str, value: Any, supported: tuple[str, ...]) -> Cause:
    listed = ", ".join(f'"{s}"' for s in supported)
    return Cause("FieldValueNotSupported", f'Unsupported value: "{value}": supported values: {listed}', field)


def _rules_causes(obj: Mapping[str, Any], *, namespaced: bool) -> list[Cause]:
    causes = []
    for i, rule in enumerate(obj.get("rules") or ()):
        if not isinstance(rule, Mapping):
            continue
        path = f"rules[{i}]"
        if not rule.get("verbs"):
            causes.append(
                Cause(
                    "FieldValueRequired",
                    "Required value: verbs must contain at least one value",
                    f"{path}.verbs",
                )
            )
        if namespaced and rule.get("nonResourceURLs"):
            causes.append(
                invalid_cause(
                    f"{path}.nonResourceURLs",
                    value=rule["nonResourceURLs"],
                    detail="namespaced rules cannot apply to non-resource URLs",
                )
            )
        if rule.get("resources") and not rule.get("apiGroups"):
            causes.append(
                Cause(
                    "FieldValueRequired",
                    "Required value: resource rules must supply at least one api group",
                    f"{path}.apiGroups",
                )
            )
    return causes


def _binding_causes(
    obj: Mapping[str, Any], *, old: Mapping[str, Any] | None, cluster_scoped: bool
) -> list[Cause]:
    causes = []
    role_ref = obj.get("roleRef")
    if isinstance(role_ref, Mapping):
        if role_ref.get("apiGroup") != "rbac.authorization.k8s.io":
            causes.append(
                _unsupported("roleRef.apiGroup", role_ref.get("apiGroup", ""), ("rbac.authorization.k8s.io",))
            )
        kinds = ("ClusterRole",) if cluster_scoped else ("Role", "ClusterRole")
        if role_ref.get("kind") not in kinds:
            causes.append(_unsupported("roleRef.kind", role_ref.get("kind", ""), kinds))
        if not role_ref.get("name"):
            causes.append(Cause("FieldValueRequired", "Required value", "roleRef.name"))
    if old is not None and old.get("roleRef") != role_ref:
        causes.append(invalid_cause("roleRef", value=role_ref, detail="cannot change roleRef"))
    for i, subject in enumerate(obj.get("subjects") or ()):
        if not isinstance(subject, Mapping):
            continue
        kind = subject.get("kind")
        if kind not in ("ServiceAccount", "User", "Group"):
            causes.append(_unsupported(f"subjects[{i}].kind", kind, ("ServiceAccount", "User", "Group")))
        if not subject.get("name"):
            causes.append(Cause("FieldValueRequired", "Required value", f"subjects[{i}].name"))
        if kind == "ServiceAccount" and cluster_scoped and not subject.get("namespace"):
            causes.append(Cause("FieldValueRequired", "Required value", f"subjects[{i}].namespace"))
    return causes


def rule_causes(rt: ResourceType, *, obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
    if rt.key == CRONJOB.key:
        return _cronjob_causes(obj)
    if rt.key == JOB.key:
        spec = obj.get("spec")
        return _job_spec_causes(spec, path="spec") if isinstance(spec, Mapping) else []
    if rt.key in (CLUSTER_ROLE.key, ROLE.key):
        return _rules_causes(obj, namespaced=rt.key == ROLE.key)
    if rt.key in (CLUSTER_ROLE_BINDING.key, ROLE_BINDING.key):
        return _binding_causes(obj, old=old, cluster_scoped=rt.key == CLUSTER_ROLE_BINDING.key)
    return []
