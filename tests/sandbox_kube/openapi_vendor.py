"""Regenerates `reconciler/sandbox/kube/builtin_openapi_data.py` from kubernetes-validate's 1.32 schemas.

The emulator must not need kubernetes-validate at run time (it is a dev dependency; `hpo-reconciler
sandbox up` runs with the runtime ones), so the structure of the built-in kinds' OpenAPI definitions is
vendored as data: every definition reachable from the kinds the emulator serves, with descriptions and
union metadata dropped, `$ref`s pointing at `#/components/schemas/`, `["string", "null"]` types reduced
to the type, and IntOrString / Quantity written the way the emulator's schema checker understands them.

Run `.venv/bin/python -m tests.sandbox_kube.openapi_vendor` after changing `ROOTS`;
test_builtins.py checks that the vendored file is what this produces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.sandbox.kube.builtins import schema_refs
from tests.sandbox_kube.generated_module import generated_module, json_table

KUBERNETES_VERSION = "v1.32.0"
OUTPUT = Path(__file__).resolve().parents[2] / "reconciler" / "sandbox" / "kube" / "builtin_openapi_data.py"

# The OpenAPI definition of every built-in kind the emulator serves.
ROOTS = (
    "io.k8s.api.core.v1.Namespace",
    "io.k8s.api.core.v1.Event",
    "io.k8s.api.core.v1.ServiceAccount",
    "io.k8s.api.coordination.v1.Lease",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
    "io.k8s.api.batch.v1.CronJob",
    "io.k8s.api.batch.v1.Job",
    "io.k8s.api.rbac.v1.ClusterRole",
    "io.k8s.api.rbac.v1.ClusterRoleBinding",
    "io.k8s.api.rbac.v1.Role",
    "io.k8s.api.rbac.v1.RoleBinding",
)
_KEPT = {
    "type",
    "format",
    "enum",
    "required",
    "properties",
    "items",
    "additionalProperties",
    "$ref",
    "x-kubernetes-group-version-kind",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-patch-strategy",
}
# Special scalar types: IntOrString takes either; a Quantity is a string or any number (`cpu: 0.5`).
_SPECIAL = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"x-kubernetes-int-or-string": True},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {},
}


def _definitions() -> dict[str, Any]:
    import kubernetes_validate

    schemas = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    folder = schemas / f"{KUBERNETES_VERSION}-local"
    defs: dict[str, Any] = json.loads((folder / "_definitions.json").read_text())["$defs"]
    return defs


def _clean(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_clean(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in _KEPT:
            continue
        if key == "$ref" and isinstance(value, str):
            result[key] = "#/components/schemas/" + value.rsplit("/", 1)[-1]
        elif key == "type" and isinstance(value, list):
            result[key] = next(t for t in value if t != "null")
        elif key == "properties":
            result[key] = {name: _clean(sub) for name, sub in value.items()}
        elif key == "x-kubernetes-group-version-kind":
            result[key] = value
        else:
            result[key] = _clean(value)
    return result


def vendored_schemas() -> dict[str, Any]:
    defs = _definitions()
    result: dict[str, Any] = {}
    pending = list(ROOTS)
    while pending:
        name = pending.pop()
        if name in result:
            continue
        result[name] = _SPECIAL[name] if name in _SPECIAL else _clean(defs[name])
        # The cleaned schema's references, read the way the emulator reads them.
        pending.extend(schema_refs(result[name]) if name not in _SPECIAL else ())
    return dict(sorted(result.items()))


def render_module(schemas: dict[str, Any]) -> str:
    return generated_module(
        f"Generated from the Kubernetes {KUBERNETES_VERSION} OpenAPI definitions (kubernetes-validate)\n"
        "by tests/sandbox_kube/openapi_vendor.py: the structure of the built-in kinds the emulator serves\n"
        "(types, required fields, list and patch metadata), no descriptions. Do not edit; regenerate.\n",
        json_table("DEFINITIONS", "dict[str, Any]", schemas),
    )


if __name__ == "__main__":
    OUTPUT.write_text(render_module(vendored_schemas()))
    print(f"wrote {OUTPUT}")
