"""URL paths to what they address, following the API server's path layout.

Contract: `resolve(registry, path)` returns
- `ResourceRoute(rt, namespace, name, subresource, watch)` for
  `/api/v1/...` and `/apis/{group}/{version}/...` resource paths
  (`[watch/][namespaces/{ns}/]{plural}[/{name}[/{subresource}]]`); `namespace` is None for cluster-scoped
  kinds and for lists across all namespaces;
- `DiscoveryRoute(group, version)` for `/api/v1` and `/apis/{group}/{version}` themselves;
and raises `ApiError` 404 NotFound for paths under a group-version that name no served resource or an
unknown subresource. Other paths (/version, /apis, /openapi, /sandbox) are the server's to handle.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from reconciler.sandbox.kube.errors import resource_not_found
from reconciler.sandbox.kube.registry import Registry, ResourceType


@dataclass(frozen=True)
class ResourceRoute:
    rt: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None
    watch: bool = False


@dataclass(frozen=True)
class DiscoveryRoute:
    group: str
    version: str


def resolve(registry: Registry, *, path: str) -> ResourceRoute | DiscoveryRoute | None:
    parts = [unquote(p) for p in path.strip("/").split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return DiscoveryRoute(group, version)
    watch = rest[0] == "watch"
    if watch:
        rest = rest[1:]
    namespace: str | None = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        candidate = registry.find(group, version=version, plural=rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    rt = registry.find(group, version=version, plural=rest[0]) if rest else None
    if rt is None or len(rest) > 3:
        raise resource_not_found()
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    if subresource is not None and not (subresource == "status" and rt.has_status):
        raise resource_not_found()
    if rt.namespaced and namespace is None and name is not None:
        raise resource_not_found()
    return ResourceRoute(rt, namespace, name, subresource, watch)
