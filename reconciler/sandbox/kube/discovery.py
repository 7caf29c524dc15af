"""Discovery and OpenAPI documents: what kubectl reads before it acts.

Contract:
- `version()` is /version (a 1.32 server); `core_versions(address)` is /api; `group_list(registry)` is
  /apis; `group(registry, g)` is /apis/{g}; `resource_list(registry, g, v)` is /api/v1 or /apis/{g}/{v}
  with each resource's verbs, short names, categories, and its `/status` subresource. These are the
  legacy (non-aggregated) documents: clients asking for aggregated discovery
  (`as=APIGroupDiscoveryList`) accept them, as they do from servers without that feature.
- `openapi_v3_root(registry)` is /openapi/v3 and `openapi_v3_group(registry, path)` one group-version's
  document. Each kind's PATCH operation carries `x-kubernetes-group-version-kind` and the
  `fieldValidation` query parameter, which is how kubectl decides to validate on the server
  (`kubectl apply` then sends fieldValidation=Strict instead of validating client-side). Custom kinds list
  only JSON and merge patch bodies, so kubectl computes merge patches for them, as with a real server.
  Built-in kinds publish their Kubernetes 1.32 definitions (`builtins`, with the patch strategies and
  merge keys kubectl's `apply` needs to compute a strategic merge patch without falling back and warning
  "error calculating patch from openapi v3 spec"); custom kinds their CRD schema with ObjectMeta.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.kube import builtins
from reconciler.sandbox.kube.registry import ALL_VERBS, NAMESPACE, Registry, ResourceType

SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-sandbox",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.23.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def version() -> dict[str, str]:
    return dict(SERVER_VERSION)


def core_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def _group_doc(name: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def group_list(registry: Registry) -> dict[str, Any]:
    groups = [_group_doc(g, vs) for g, vs in registry.group_versions().items() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(registry: Registry, *, name: str) -> dict[str, Any] | None:
    versions = registry.group_versions().get(name)
    if not versions or not name:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_doc(name, versions)}


def _verbs(rt: ResourceType) -> list[str]:
    if rt.key == NAMESPACE.key:
        return [v for v in ALL_VERBS if v != "deletecollection"]
    return list(ALL_VERBS)


def resource_list(registry: Registry, *, group_name: str, version_name: str) -> dict[str, Any] | None:
    types = [t for t in registry.all() if t.group == group_name and t.version == version_name]
    if not types:
        return None
    resources: list[dict[str, Any]] = []
    for t in types:
        doc: dict[str, Any] = {
            "name": t.plural,
            "singularName": t.singular,
            "namespaced": t.namespaced,
            "kind": t.kind,
            "verbs": _verbs(t),
        }
        if t.short_names:
            doc["shortNames"] = list(t.short_names)
        if t.categories:
            doc["categories"] = list(t.categories)
        doc["storageVersionHash"] = hashlib.sha256(f"{t.group}/{t.version}/{t.kind}".encode()).hexdigest()[
            :11
        ]
        resources.append(doc)
        if t.has_status:
            resources.append(
                {
                    "name": f"{t.plural}/status",
                    "singularName": "",
                    "namespaced": t.namespaced,
                    "kind": t.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
    group_version = f"{group_name}/{version_name}" if group_name else version_name
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


# -- OpenAPI v3 ------------------------------------------------------------------------------------------
def _gv_path(group_name: str, version_name: str) -> str:
    return f"apis/{group_name}/{version_name}" if group_name else f"api/{version_name}"


def _schema_name(rt: ResourceType) -> str:
    if rt.definition:
        return rt.definition
    reversed_group = ".".join(reversed(rt.group.split("."))) if rt.group else "io.k8s.api.core"
    return f"{reversed_group}.{rt.version}.{rt.kind}"


def _operations(rt: ResourceType) -> dict[str, Any]:
    gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
    ref = {"$ref": f"#/components/schemas/{_schema_name(rt)}"}
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}
    query = [
        {"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
        for n in ("dryRun", "fieldManager", "fieldValidation")
    ]
    patch_types: tuple[str, ...] = ("application/json-patch+json", "application/merge-patch+json")
    if not rt.custom:
        patch_types += ("application/strategic-merge-patch+json",)
    body = {
        "content": {
            t: {"schema": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}}
            for t in patch_types
        },
        "required": True,
    }

    def op(action: str, **extra: Any) -> dict[str, Any]:
        return {
            "operationId": f"{action}{rt.kind}",
            "responses": ok,
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
            **extra,
        }

    return {
        "get": op("get"),
        "put": op("put", parameters=query, requestBody={"content": {"application/json": {"schema": ref}}}),
        "patch": op("patch", parameters=query, requestBody=body),
        "delete": op("delete"),
    }


def _object_path(rt: ResourceType) -> str:
    base = "/" + _gv_path(rt.group, rt.version)
    if rt.namespaced:
        return f"{base}/namespaces/{{namespace}}/{rt.plural}/{{name}}"
    return f"{base}/{rt.plural}/{{name}}"


_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _with_object_meta(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A CRD's schema as the apiextensions-apiserver publishes it: metadata is ObjectMeta."""
    properties = dict(schema.get("properties") or {})
    properties["metadata"] = {"$ref": f"#/components/schemas/{_OBJECT_META}"}
    return {**schema, "properties": properties}


def openapi_v3_group(registry: Registry, *, gv_path: str) -> dict[str, Any] | None:
    types = [t for t in registry.all() if _gv_path(t.group, t.version) == gv_path]
    if not types:
        return None
    schemas: dict[str, Any] = {"io.k8s.apimachinery.pkg.apis.meta.v1.Patch": {"type": "object"}}
    paths: dict[str, Any] = {}
    for t in types:
        if t.definition:
            for name in builtins.definition_closure(t.definition):
                schemas[name] = builtins.definition(name)
            schema = dict(schemas[t.definition])
        elif t.schema:
            schema = _with_object_meta(t.schema)
            schemas[_OBJECT_META] = builtins.definition(_OBJECT_META)
        else:
            schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        schema["x-kubernetes-group-version-kind"] = [{"group": t.group, "version": t.version, "kind": t.kind}]
        schemas[_schema_name(t)] = schema
        paths[_object_path(t)] = _operations(t)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def openapi_v3_root(registry: Registry) -> dict[str, Any]:
    paths = {}
    for group_name, versions in registry.group_versions().items():
        for v in versions:
            path = _gv_path(group_name, v)
            doc = openapi_v3_group(registry, gv_path=path)
            digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32].upper()
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}
