"""Field sets of server-side apply: paths into an object, as sigs.k8s.io/structured-merge-diff (v4) has them.

Contract:
- A `Path` is a tuple of elements: `("f", name)` a field or map key, `("k", ((key, value), ...))` a list
  item picked by its map keys (sorted by key name), `("v", value)` an item of a set-like list.
- `Schema(node, root=)` wraps an OpenAPI / CRD structural schema node and answers what structured-merge-
  diff derives from it: struct fields, map elements (`additionalProperties`), `x-kubernetes-map-type`,
  and for lists `x-kubernetes-list-type` / `x-kubernetes-list-map-keys`; built-in kinds without a list
  type fall back to their strategic-merge metadata (`x-kubernetes-patch-strategy: merge` with a merge key
  -> map, without -> set); anything else is atomic. A node the schema does not describe (preserve-unknown
  fields, an untyped value) is deduced: objects are granular maps, lists atomic. `metadata` is always
  ObjectMeta's schema.
- `field_set(obj, schema)` = `ToFieldSet`: every scalar or atomic value, every list item, map entries
  (not struct fields) and null or empty values; returned as {path: value at path}.
- `merge(live, config, schema)` = `TypedValue.Merge`: maps and structs merge member by member, map-lists
  item by item (by key), sets by value, atomic values and scalars are replaced.
- `remove(obj, paths, schema)` deletes those paths (fields, list items) from `obj`.
- `encode(paths)` / `decode(fieldsV1)` convert to and from the `fieldsV1` JSON of managedFields
  (`f:name`, `k:{"name":"x"}`, `v:"x"`, `.` for a path that has members below it too).
- `path_string(path)` renders a path as in conflict messages: `.spec.containers[name="main"].image`.
Pure: no I/O.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.kube import builtins

Element = tuple[str, Any]
_CONTAINER = ("<map>",)  # the value recorded for a map's own path: never a leaf, never "modified"
Path = tuple[Element, ...]

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _key_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Schema:
    """One schema node; `node` None means untyped (deduced from the value)."""

    node: Mapping[str, Any] | None
    builtin: bool = False

    def _resolved(self) -> Mapping[str, Any] | None:
        return self.resolved

    @functools.cached_property
    def resolved(self) -> Mapping[str, Any] | None:
        return builtins.resolve(self.node) if self.node is not None else None

    @property
    def untyped(self) -> bool:
        resolved = self._resolved()
        if resolved is None:
            return True
        declared = resolved.get("properties") or resolved.get("additionalProperties") or resolved.get("items")
        kind = resolved.get("type")
        return kind is None and not declared and not resolved.get("x-kubernetes-int-or-string")

    def is_list(self, value: Any) -> bool:
        resolved = self._resolved()
        if resolved is not None and resolved.get("type") == "array":
            return True
        return isinstance(value, list)

    def is_map(self, value: Any) -> bool:
        resolved = self._resolved()
        if resolved is not None and resolved.get("type") == "object":
            return isinstance(value, dict)
        return isinstance(value, dict) and (resolved is None or self.untyped)

    def atomic_map(self) -> bool:
        resolved = self._resolved()
        return resolved is not None and resolved.get("x-kubernetes-map-type") == "atomic"

    def struct(self) -> bool:
        resolved = self._resolved()
        return resolved is not None and bool(resolved.get("properties"))

    def declared(self, key: str) -> bool:
        resolved = self._resolved()
        return resolved is not None and key in (resolved.get("properties") or {})

    def child(self, key: str, *, top: bool = False) -> Schema:
        if top and key == "metadata":
            return Schema(builtins.definition(OBJECT_META), builtin=True)
        resolved = self._resolved()
        if resolved is None:
            return Schema(None, builtin=self.builtin)
        properties = resolved.get("properties") or {}
        if key in properties:
            return Schema(properties[key], builtin=self.builtin)
        additional = resolved.get("additionalProperties")
        if isinstance(additional, dict):
            return Schema(additional, builtin=self.builtin)
        return Schema(None, builtin=self.builtin)

    def items(self) -> Schema:
        resolved = self._resolved()
        items = resolved.get("items") if resolved is not None else None
        return Schema(items if isinstance(items, dict) else None, builtin=self.builtin)

    def list_type(self) -> tuple[str, tuple[str, ...]]:
        """("atomic" | "set" | "map", map keys)."""
        node = self.node or {}
        declared = node.get("x-kubernetes-list-type")
        if declared in ("atomic", "set"):
            return str(declared), ()
        if declared == "map":
            return "map", tuple(str(k) for k in node.get("x-kubernetes-list-map-keys") or ())
        if self.builtin:
            merges, merge_key = builtins.list_merge_key(node)
            if merges:
                return ("map", (merge_key,)) if merge_key else ("set", ())
        return "atomic", ()


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _item_element(item: Any, *, kind: str, keys: tuple[str, ...]) -> Element | None:
    if kind == "set":
        return ("v", item) if _scalar(item) else None
    if not isinstance(item, dict):
        return None
    # A missing key field: structured-merge-diff uses the key's default only when the schema has one.
    if any(k not in item or not _scalar(item[k]) for k in keys):
        return None
    return ("k", tuple((k, item[k]) for k in sorted(keys)))


def _list_layout(value: list[Any], schema: Schema) -> tuple[str, tuple[str, ...], list[Element] | None]:
    kind, keys = schema.list_type()
    if kind == "atomic":
        return kind, keys, None
    elements = [_item_element(item, kind=kind, keys=keys) for item in value]
    if any(e is None for e in elements):
        return "atomic", keys, None  # items without their keys cannot be told apart: the list is one value
    return kind, keys, [e for e in elements if e is not None]


def field_set(
    obj: Any, schema: Schema, *, path: Path = (), top: bool = True, maps: bool = False
) -> dict[Path, Any]:
    """`maps`: also the paths of non-empty granular maps that are not structs (`metadata.labels`), which
    an Update's comparison reports as added or removed with their entries (the `.` of `f:labels`)."""
    out: dict[Path, Any] = {}
    _walk(obj, schema, path, out, top=top, maps=maps)
    return out


def _walk(
    value: Any, schema: Schema, path: Path, out: dict[Path, Any], *, top: bool = False, maps: bool = False
) -> None:
    if isinstance(value, list) and schema.is_list(value):
        _kind, _, elements = _list_layout(value, schema)
        if elements is None:
            out[path] = value
            return
        for item, element in zip(value, elements, strict=True):
            item_path = (*path, element)
            _walk(item, schema.items(), item_path, out, maps=maps)
            out[item_path] = item
        return
    if isinstance(value, dict) and schema.is_map(value):
        if schema.atomic_map():
            out[path] = value
            return
        if maps and path and not schema.struct():
            out[path] = _CONTAINER
        for key, member in value.items():
            child = schema.child(key, top=top)
            child_path = (*path, ("f", key))
            _walk(member, child, child_path, out, maps=maps)
            map_entry = not schema.declared(key) and not (top and key == "metadata")
            if member is None or member == {} or map_entry:
                out[child_path] = member
        return
    out[path] = value


def leaf(value: Any, schema: Schema) -> bool:
    """Whether `value` is compared as a whole (scalar, atomic, null or empty) rather than member-wise."""
    if value is _CONTAINER:
        return False
    if isinstance(value, list) and schema.is_list(value):
        return _list_layout(value, schema)[2] is None
    if isinstance(value, dict) and schema.is_map(value):
        return not value or schema.atomic_map()
    return True


def schema_at(schema: Schema, path: Path) -> Schema:
    current = schema
    for i, (kind, _) in enumerate(path):
        current = current.child(path[i][1], top=i == 0) if kind == "f" else current.items()
    return current


def merge(live: Any, config: Any, schema: Schema, *, top: bool = True) -> Any:
    if isinstance(config, dict) and isinstance(live, dict) and schema.is_map(config):
        if schema.atomic_map():
            return copy.deepcopy(config)
        members = dict(live)
        for key, value in config.items():
            if value is None:
                members.pop(key, None)
            else:
                members[key] = merge(live.get(key), value, schema.child(key, top=top), top=False)
        return members
    if isinstance(config, list) and isinstance(live, list) and schema.is_list(config):
        _, _, config_elements = _list_layout(config, schema)
        _, _, live_elements = _list_layout(live, schema)
        if config_elements is None or live_elements is None:
            return copy.deepcopy(config)
        return _merge_items(live, live_elements, config, config_elements, schema.items())
    return copy.deepcopy(config)


def _merge_items(
    live: list[Any], live_order: list[Element], config: list[Any], config_order: list[Element], items: Schema
) -> list[Any]:
    """structured-merge-diff's list order: live items keep their place, items only in the configuration
    come where the configuration has them, and shared items follow the configuration's order."""
    live_items = dict(zip(live_order, live, strict=True))
    config_items = dict(zip(config_order, config, strict=True))
    shared = [e for e in config_order if e in live_items]
    next_shared = shared.pop(0) if shared else None
    out: list[Any] = []
    li = ri = 0
    while li < len(live_order) or ri < len(config_order):
        if li < len(live_order) and ri < len(config_order):
            element = live_order[li]
            if element == config_order[ri]:
                out.append(merge(live_items[element], config_items[element], items, top=False))
                li, ri = li + 1, ri + 1
                next_shared = shared.pop(0) if shared else None
                continue
            if element in config_items and next_shared is not None and next_shared != element:
                li += 1  # shared, but its turn comes with the configuration's order
                continue
        if li < len(live_order) and live_order[li] not in config_items:
            out.append(live_items[live_order[li]])
            li += 1
            continue
        if ri < len(config_order):
            element = config_order[ri]
            if element in live_items:
                out.append(merge(live_items[element], config_items[element], items, top=False))
            else:
                out.append(copy.deepcopy(config_items[element]))
            ri += 1
            if next_shared == element:
                next_shared = shared.pop(0) if shared else None
            continue
        li += 1  # a shared item already taken in the configuration's order
    return out


def remove(obj: dict[str, Any], paths: Iterable[Path], schema: Schema) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    for path in sorted(paths, key=len, reverse=True):
        _remove_one(result, path, schema)
    return result


def _remove_one(obj: Any, path: Path, schema: Schema) -> None:
    parent: Any = obj
    parent_schema = schema
    for i, element in enumerate(path[:-1]):
        parent = _step(parent, element, parent_schema, top=i == 0)
        parent_schema = (
            parent_schema.child(element[1], top=i == 0) if element[0] == "f" else parent_schema.items()
        )
        if parent is None:
            return
    kind, name = path[-1]
    if kind == "f" and isinstance(parent, dict):
        parent.pop(name, None)
    elif isinstance(parent, list):
        _, _, elements = _list_layout(parent, parent_schema)
        if elements is not None:
            for index, element in enumerate(elements):
                if element == path[-1]:
                    del parent[index]
                    return


def _step(value: Any, element: Element, schema: Schema, *, top: bool) -> Any:
    kind, name = element
    if kind == "f":
        return value.get(name) if isinstance(value, dict) else None
    if isinstance(value, list):
        _, _, elements = _list_layout(value, schema)
        for item, item_element in zip(value, elements or [], strict=False):
            if item_element == element:
                return item
    return None


# -- fieldsV1 ---------------------------------------------------------------------------------------------
def _element_text(element: Element) -> str:
    kind, value = element
    if kind == "f":
        return f"f:{value}"
    if kind == "k":
        return "k:" + _key_json(dict(value))
    return f"{kind}:" + _key_json(value)


def _element_order(element: Element) -> tuple[int, str]:
    return ({"f": 0, "k": 1, "v": 2, "i": 3}[element[0]], _element_text(element))


def encode(paths: Iterable[Path]) -> dict[str, Any]:
    tree: dict[Element, Any] = {}
    members: set[Path] = set(paths)
    for path in members:
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    return _render(tree, (), members)


def _render(tree: dict[Element, Any], prefix: Path, members: set[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for element in sorted(tree, key=_element_order):
        path = (*prefix, element)
        children = _render(tree[element], path, members)
        if children and path in members:
            children = {".": {}, **children}
        out[_element_text(element)] = children
    return out


def decode(fields: Any, prefix: Path = ()) -> set[Path]:
    paths: set[Path] = set()
    if not isinstance(fields, dict):
        return paths
    for text, children in fields.items():
        if text == ".":
            paths.add(prefix)
            continue
        kind, _, rest = str(text).partition(":")
        element: Element
        if kind == "f":
            element = ("f", rest)
        elif kind == "k":
            keyed = json.loads(rest)
            element = ("k", tuple(sorted(keyed.items())))
        else:
            element = (kind, json.loads(rest))
        path = (*prefix, element)
        if children:
            paths |= decode(children, path)
        else:
            paths.add(path)
    return paths


def _value_string(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return _key_json(value) if isinstance(value, (dict, list)) else str(value)


def path_string(path: Path) -> str:
    parts = []
    for kind, value in path:
        if kind == "f":
            parts.append(f".{value}")
        elif kind == "k":
            parts.append("[" + ",".join(f"{k}={_value_string(v)}" for k, v in value) + "]")
        elif kind == "v":
            parts.append(f"[={_value_string(value)}]")
        else:
            parts.append(f"[{value}]")
    return "".join(parts)
