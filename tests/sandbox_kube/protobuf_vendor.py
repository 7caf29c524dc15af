"""Regenerates `reconciler/sandbox/kube/builtin_protobuf_data.py` from the Kubernetes 1.32 sources.

kubectl's typed commands (`kubectl create serviceaccount|cronjob|job|role|...`, `kubectl create job
--from=cronjob/...`) send built-in objects as protobuf. Decoding them needs, per message, each field's
number, wire type, JSON name and whether a zero value is omitted from JSON; the first two come from the
`generated.proto` files, the last two from the Go struct tags in `types.go` (a zero `*bool` is kept, a
zero `bool` with `omitempty` is not). This reads both from local git mirrors of `kubernetes/api` and
`kubernetes/apimachinery` at tag v0.32.9 and writes the tables; the emulator does not need the sources.

Run `.venv/bin/python -m tests.sandbox_kube.protobuf_vendor [API_GIT_DIR APIMACHINERY_GIT_DIR]`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from reconciler.sandbox.kube.registry import BUILTINS
from tests.sandbox_kube.generated_module import generated_module, json_table

TAG = "v0.32.9"
API_GIT = Path("/work/.mirror/kubernetes+api/repo")
APIMACHINERY_GIT = Path("/work/.mirror/kubernetes+apimachinery/repo")
OUTPUT = Path(__file__).resolve().parents[2] / "reconciler" / "sandbox" / "kube" / "builtin_protobuf_data.py"

# (repository, folder, proto package) of every package whose messages the built-in kinds use.
PACKAGES = (
    ("api", "core/v1", "k8s.io.api.core.v1"),
    ("api", "batch/v1", "k8s.io.api.batch.v1"),
    ("api", "rbac/v1", "k8s.io.api.rbac.v1"),
    ("api", "coordination/v1", "k8s.io.api.coordination.v1"),
    ("apimachinery", "pkg/apis/meta/v1", "k8s.io.apimachinery.pkg.apis.meta.v1"),
)


def _message_of(definition: str) -> str:
    """An OpenAPI definition name (`io.k8s.api.core.v1.Namespace`) as its protobuf message name."""
    return "k8s.io." + definition.removeprefix("io.k8s.")


# apiVersion/kind -> protobuf message of each built-in kind of the emulator's registry in PACKAGES.
KINDS = {
    (f"{rt.group}/" if rt.group else "") + f"{rt.version}/{rt.kind}": _message_of(rt.definition)
    for rt in BUILTINS
    if _message_of(rt.definition).rsplit(".", 1)[0] in {package for _, _, package in PACKAGES}
}
SCALARS = {"string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float"}
_MESSAGE = re.compile(r"^message (\w+) \{\n(.*?)^\}", re.M | re.S)
_FIELD = re.compile(r"^\s*(optional|repeated) ([\w.]+) (\w+) = (\d+);", re.M)
_MAP = re.compile(r"^\s*map<string, ([\w.]+)> (\w+) = (\d+);", re.M)
_STRUCT = re.compile(r"^type (\w+) struct \{\n(.*?)^\}", re.M | re.S)
_GO_FIELD = re.compile(r'^\s*\w+\s+(\S+)\s+`[^`]*json:"([^"]*)"[^`]*protobuf:"[^"]*name=(\w+)', re.M)
# An embedded member (`VolumeSource `json:",inline" protobuf:"bytes,2,opt,name=volumeSource"``): no field
# name before the type; without `name=` its protobuf field is the type's name with a lower-case initial.
_EMBEDDED = re.compile(r'^\s*\*?(\w+)\s+`[^`]*json:"([^"]*)"[^`]*protobuf:"([^"]*)"', re.M)


def _show(git_dir: Path, path: str) -> str:
    command = ["git", "--git-dir", str(git_dir), "show", f"{TAG}:{path}"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _go_fields(source: str) -> dict[str, dict[str, tuple[str, bool]]]:
    """struct -> proto field name -> (json name, zero omitted); the json name is "" for a member that
    `json:",inline"` flattens into its parent (its fields appear at the parent's level in JSON)."""
    result: dict[str, dict[str, tuple[str, bool]]] = {}
    for struct, body in _STRUCT.findall(source):
        for go_type, json_tag, proto_name in _GO_FIELD.findall(body):
            name, _, options = json_tag.partition(",")
            inline = "inline" in options.split(",")
            result.setdefault(struct, {})[proto_name] = (
                "" if inline else name or proto_name,
                "omitempty" in options and not go_type.startswith("*"),
            )
        for go_type, json_tag, protobuf_tag in _EMBEDDED.findall(body):
            name, _, options = json_tag.partition(",")
            named = re.search(r"name=(\w+)", protobuf_tag)
            proto_name = named.group(1) if named else go_type[0].lower() + go_type[1:]
            inline = "inline" in options.split(",")
            result.setdefault(struct, {})[proto_name] = ("" if inline else name or proto_name, False)
    return result


def vendored_messages(api_git: Path = API_GIT, apimachinery_git: Path = APIMACHINERY_GIT) -> dict[str, Any]:
    gits = {"api": api_git, "apimachinery": apimachinery_git}
    messages: dict[str, Any] = {}
    for repo, folder, package in PACKAGES:
        proto = _show(gits[repo], f"{folder}/generated.proto")
        go = "\n".join(_show(gits[repo], f"{folder}/{name}") for name in ("types.go",))
        tags = _go_fields(go)
        for message, body in _MESSAGE.findall(proto):
            fields: dict[str, Any] = {}
            struct_tags = tags.get(message, {})

            def resolve(type_name: str, package: str = package) -> str:
                if type_name in SCALARS:
                    return type_name
                return type_name[1:] if type_name.startswith(".") else f"{package}.{type_name}"

            for label, type_name, name, number in _FIELD.findall(body):
                json_name, omit_zero = struct_tags.get(name, (name, False))
                fields[number] = [json_name, resolve(type_name), label, omit_zero]
            for value_type, name, number in _MAP.findall(body):
                json_name, _ = struct_tags.get(name, (name, False))
                fields[number] = [json_name, resolve(value_type), "map", False]
            messages[f"{package}.{message}"] = fields
    return dict(sorted(messages.items()))


def render_module(messages: dict[str, Any]) -> str:
    kinds = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in KINDS.items())
    return generated_module(
        f"Generated from the Kubernetes {TAG} generated.proto files and Go struct tags by\n"
        "tests/sandbox_kube/protobuf_vendor.py: per protobuf message, field number -> [JSON name, type,\n"
        "optional|repeated|map, zero value omitted from JSON]. Do not edit; regenerate.\n",
        "# apiVersion/kind -> the protobuf message of the object\n"
        f"KINDS: Final[dict[str, str]] = {{\n{kinds},\n}}\n"
        + json_table("MESSAGES", "dict[str, dict[str, list[Any]]]", messages),
    )


if __name__ == "__main__":
    gits = [Path(a) for a in sys.argv[1:3]] or [API_GIT, APIMACHINERY_GIT]
    OUTPUT.write_text(render_module(vendored_messages(*gits)))
    print(f"wrote {OUTPUT}")
