"""The field-set helpers of server-side apply (pure): fieldsV1 encoding, paths, merge order, field sets."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.sandbox.kube import fieldsets
from reconciler.sandbox.kube.fieldsets import Schema

CONTAINERS = Schema(
    {
        "type": "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "items": {"type": "object", "properties": {"name": {"type": "string"}, "image": {"type": "string"}}},
    }
)
OBJECT = Schema(
    {
        "type": "object",
        "properties": {
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "properties": {
                    "containers": CONTAINERS.node,
                    "args": {"type": "array", "items": {"type": "string"}},
                    "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                },
            },
        },
    }
)


def _names(items: list[dict[str, Any]]) -> list[str]:
    return [i["name"] for i in items]


@pytest.mark.parametrize(
    ("live", "config", "merged"),
    [
        (["a", "b"], ["b", "a"], ["b", "a"]),
        (["a", "b", "c"], ["x", "b"], ["a", "x", "b", "c"]),
        (["a", "b"], ["b", "c"], ["a", "b", "c"]),
        ([], ["a"], ["a"]),
    ],
)
def test_map_list_merge_order(live: list[str], config: list[str], merged: list[str]) -> None:
    result = fieldsets.merge(
        [{"name": n} for n in live], [{"name": n} for n in config], CONTAINERS, top=False
    )
    assert _names(result) == merged


def test_field_set_of_an_object() -> None:
    obj = {
        "metadata": {"labels": {"a": "1"}},
        "spec": {
            "containers": [{"name": "main", "image": "x"}],
            "args": ["-v"],
            "tags": ["t"],
            "extra": {"k": {"n": 1}},
        },
    }
    encoded = fieldsets.encode(fieldsets.field_set(obj, OBJECT))
    assert encoded == {
        "f:metadata": {"f:labels": {"f:a": {}}},
        "f:spec": {
            "f:args": {},  # atomic: the list is one value
            "f:containers": {'k:{"name":"main"}': {".": {}, "f:image": {}, "f:name": {}}},
            "f:extra": {"f:k": {".": {}, "f:n": {}}},  # undeclared members are map entries
            "f:tags": {'v:"t"': {}},
        },
    }
    assert fieldsets.decode(encoded) == set(fieldsets.field_set(obj, OBJECT))


def test_path_strings_as_conflict_messages_print_them() -> None:
    path = (("f", "spec"), ("f", "containers"), ("k", (("name", "main"),)), ("f", "image"))
    assert fieldsets.path_string(path) == '.spec.containers[name="main"].image'
    assert fieldsets.path_string((("f", "spec"), ("f", "tags"), ("v", "t"))) == '.spec.tags[="t"]'
    keyed = (("f", "ports"), ("k", (("containerPort", 80), ("protocol", "TCP"))))
    assert fieldsets.path_string(keyed) == '.ports[containerPort=80,protocol="TCP"]'


def test_remove_drops_fields_and_list_items() -> None:
    obj = {"spec": {"containers": [{"name": "a"}, {"name": "b"}], "args": ["x"]}}
    removed = fieldsets.remove(
        obj,
        [(("f", "spec"), ("f", "containers"), ("k", (("name", "a"),))), (("f", "spec"), ("f", "args"))],
        OBJECT,
    )
    assert removed == {"spec": {"containers": [{"name": "b"}]}}
