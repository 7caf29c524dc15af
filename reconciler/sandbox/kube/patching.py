"""Patch application by content type, as the API server chooses it.

Contract: `apply_patch(current, patch_bytes, content_type=, custom=)` returns the patched object or raises
`ApiError`: JSON merge patch (RFC 7386, `application/merge-patch+json`), JSON patch (RFC 6902,
`application/json-patch+json`, all six ops incl. `test`); strategic merge patch only for built-in kinds,
with the patch strategies of the kind's OpenAPI definition (`schema`: `finalizers` merged as a set,
`ownerReferences` by `uid`, containers and env by `name`, ...) and the `$patch: replace|delete` and
`$deleteFromPrimitiveList/<field>` directives, other lists replaced; custom resources get 415 for it, as
kube-apiserver answers. Server-side apply (`application/apply-patch+yaml`) is `ssa`'s, not this module's.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.kube import builtins, gojson
from reconciler.sandbox.kube.errors import ApiError, Cause, bad_request, unsupported_media_type

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"

CUSTOM_PATCH_TYPES = (JSON_PATCH, MERGE)
BUILTIN_PATCH_TYPES = (JSON_PATCH, MERGE, STRATEGIC)


def merge_patch(target: Any, *, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), patch=value)
    return result


# ObjectMeta's lists with a patch strategy: field -> merge key (None: a set of primitives). Used when the
# kind has no OpenAPI definition to read them from.
_MERGE_LISTS: dict[str, str | None] = {"finalizers": None, "ownerReferences": "uid"}


def _merge_list(
    current: Any, *, patch: list[Any], key: str | None, item_schema: Mapping[str, Any] | None
) -> list[Any]:
    result = list(current) if isinstance(current, list) else []
    if key is None:
        return result + [item for item in patch if item not in result]
    for item in patch:
        if not isinstance(item, dict):
            continue
        position = next(
            (i for i, old in enumerate(result) if isinstance(old, dict) and old.get(key) == item.get(key)),
            None,
        )
        if item.get("$patch") == "delete":
            if position is not None:
                del result[position]
        elif position is None:
            result.append({k: v for k, v in item.items() if not k.startswith("$")})
        else:
            result[position] = strategic_merge(result[position], patch=item, path=(), schema=item_schema)
    return result


def _list_strategy(
    schema: Mapping[str, Any] | None, *, path: tuple[str, ...], key: str
) -> tuple[bool, str | None, Mapping[str, Any] | None]:
    """(merges, merge key, item schema) of list field `key`, from the OpenAPI definition when known."""
    if schema is not None:
        field = builtins.patch_schema(schema, key)
        merges, merge_key = builtins.list_merge_key(field)
        return merges, merge_key, builtins.items_schema(field)
    if path == ("metadata",) and key in _MERGE_LISTS:
        return True, _MERGE_LISTS[key], None
    return False, None, None


def strategic_merge(
    target: Any, *, patch: Any, path: tuple[str, ...], schema: Mapping[str, Any] | None = None
) -> Any:
    """Strategic merge patch as the API server applies it to a built-in kind.

    `schema` is the OpenAPI definition of the value being patched: lists whose field declares
    `x-kubernetes-patch-strategy: merge` merge by their `x-kubernetes-patch-merge-key` (containers by
    name, env by name, ...), other lists are replaced."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [v for v in result.get(field) or [] if v not in (value or [])]
        elif key.startswith("$"):
            continue  # $setElementOrder/$retainKeys only order or prune: nothing to add
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            merges, merge_key, item_schema = _list_strategy(schema, path=path, key=key)
            if merges:
                result[key] = _merge_list(
                    result.get(key), patch=value, key=merge_key, item_schema=item_schema
                )
            else:
                result[key] = copy.deepcopy(value)
        else:
            sub_schema = builtins.resolve(builtins.patch_schema(schema, key)) if schema is not None else None
            merged = strategic_merge(result.get(key), patch=value, path=(*path, key), schema=sub_schema)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
    return result


class _PatchFailure(Exception):
    pass


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise _PatchFailure(f"JSON pointer must start with '/': {pointer!r}")
    return [_unescape(t) for t in pointer[1:].split("/")]


def _parent(doc: Any, *, tokens: list[str], pointer: str) -> Any:
    node = doc
    for token in tokens[:-1]:
        key = _member(node, token)
        if key is None:
            raise _PatchFailure(f"doc is missing path: {pointer}")
        node = node[key]
    return node


def _member(node: Any, token: str) -> str | int | None:
    """The key or index `token` names in `node` when that member exists (RFC 6901 section 4), else None."""
    if isinstance(node, dict) and token in node:
        return token
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return int(token)
    return None


def _get(doc: Any, pointer: str) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return doc
    parent = _parent(doc, tokens=tokens, pointer=pointer)
    key = _member(parent, tokens[-1])
    if key is None:
        raise _PatchFailure(f"doc is missing path: {pointer}")
    return parent[key]


def _add(doc: Any, *, pointer: str, value: Any) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return value
    parent = _parent(doc, tokens=tokens, pointer=pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise _PatchFailure(f"add operation does not apply: doc is missing path: {pointer}")
    else:
        raise _PatchFailure(f"doc is missing path: {pointer}")
    return doc


def _remove(doc: Any, pointer: str) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        raise _PatchFailure("cannot remove the whole document")
    parent = _parent(doc, tokens=tokens, pointer=pointer)
    key = _member(parent, tokens[-1])
    if key is None:
        raise _PatchFailure(f'remove operation does not apply: doc is missing path: "{pointer}"')
    del parent[key]
    return doc


def json_patch(target: Any, *, operations: Any) -> Any:
    if not isinstance(operations, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(target)
    for op in operations:
        if not isinstance(op, dict) or not isinstance(op.get("op"), str):
            raise bad_request(
                "unexpected kind of operation in JSON patch; each must be an object with an 'op'"
            )
        kind, path = op["op"], op.get("path")
        if not isinstance(path, str):
            raise bad_request(f"JSON patch operation {kind!r} is missing its 'path'")
        try:
            if kind == "add":
                doc = _add(doc, pointer=path, value=copy.deepcopy(op.get("value")))
            elif kind == "remove":
                doc = _remove(doc, path)
            elif kind == "replace":
                _get(doc, path)
                doc = (
                    _add(_remove(doc, path), pointer=path, value=copy.deepcopy(op.get("value")))
                    if _tokens(path)
                    else op.get("value")
                )
            elif kind in ("move", "copy"):
                source = op.get("from")
                if not isinstance(source, str):
                    raise bad_request(f"JSON patch operation {kind!r} is missing its 'from'")
                value = copy.deepcopy(_get(doc, source))
                if kind == "move":
                    doc = _remove(doc, source)
                doc = _add(doc, pointer=path, value=value)
            elif kind == "test":
                if _get(doc, path) != op.get("value"):
                    raise _PatchFailure(f"testing value {path} failed: test failed")
            else:
                raise bad_request(f"Unexpected kind: {kind}")
        except _PatchFailure as failure:
            raise ApiError(
                422,
                "Invalid",
                "the server rejected our request due to an error in our request",
                {"causes": [Cause("FieldValueInvalid", str(failure), "").body()]},
            ) from None
    return doc


def apply_patch(
    current: dict[str, Any],
    *,
    patch_bytes: bytes,
    content_type: str,
    custom: bool,
    schema: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    accepted = CUSTOM_PATCH_TYPES if custom else BUILTIN_PATCH_TYPES
    if content_type not in accepted:
        raise unsupported_media_type(content_type, accepted=accepted)
    try:
        patch = gojson.loads(patch_bytes or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"error decoding patch: {exc}") from None
    if content_type == JSON_PATCH:
        result = json_patch(current, operations=patch)
    elif content_type == STRATEGIC:
        if not isinstance(patch, dict):
            raise bad_request("a strategic merge patch must be a JSON object")
        result = strategic_merge(current, patch=patch, path=(), schema=schema)
    else:
        if not isinstance(patch, dict):
            raise bad_request(
                "json: cannot unmarshal into Go value of type map[string]interface {}: "
                "a merge patch must be a JSON object"
            )
        result = merge_patch(current, patch=patch)
    if not isinstance(result, dict):
        raise bad_request("the patched object is not a JSON object")
    return result
