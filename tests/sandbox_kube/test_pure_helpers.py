"""The emulator's pure helpers: JSONPath subset, ages, selectors, patches (tables of cases)."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.sandbox.kube import jsonpath, patching, selectors
from reconciler.sandbox.kube.errors import ApiError
from reconciler.sandbox.kube.tables import human_duration

STATUS = {
    "status": {
        "conditions": [
            {"type": "Reconciling", "status": "True", "reason": "Polling"},
            {"type": "Ready", "status": "False", "reason": "InProgress", "observedGeneration": 2},
        ],
        "counters": {"completed": 3},
        "tags": ["a", "b"],
    }
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (".status.counters.completed", [3]),
        ("{.status.counters.completed}", [3]),
        ('.status.conditions[?(@.type=="Ready")].status', ["False"]),
        (".status.conditions[?(@.type=='Ready')].reason", ["InProgress"]),
        ('.status.conditions[?(@.type!="Ready")].type', ["Reconciling"]),
        (".status.conditions[?(@.observedGeneration==2)].type", ["Ready"]),
        (".status.conditions[*].type", ["Reconciling", "Ready"]),
        (".status.conditions[1].reason", ["InProgress"]),
        (".status.conditions[-1].reason", ["InProgress"]),
        (".status.tags[5]", []),
        (".status['counters'].completed", [3]),
        (".status.missing.deeper", []),
    ],
)
def test_jsonpath_subset(expression: str, expected: list[Any]) -> None:
    assert jsonpath.find(STATUS, expression=expression) == expected


def test_jsonpath_rejects_what_it_does_not_know() -> None:
    with pytest.raises(jsonpath.JsonPathError):
        jsonpath.find(STATUS, expression=".status.conditions[?(@.type=~/x/)]")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (125, "2m5s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60, "3h1m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (50 * 3600, "2d2h"),
        (8 * 86400, "8d"),
        (800 * 86400, "2y70d"),
        (3000 * 86400, "8y"),
    ],
)
def test_human_duration_matches_kubectl_ages(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        ("a=1", {"a": "1"}, True),
        ("a=1", {"a": "2"}, False),
        ("a!=1", {}, True),
        ("a in (1,2),b", {"a": "2", "b": ""}, True),
        ("a notin (1)", {"a": "1"}, False),
        ("!a", {"a": "1"}, False),
        ("example.com/team=ml", {"example.com/team": "ml"}, True),
    ],
)
def test_label_selectors(selector: str, labels: dict[str, str], matches: bool) -> None:
    predicate = selectors.parse_label_selector(selector)
    assert predicate is not None and predicate(labels) is matches


@pytest.mark.parametrize("selector", ["a in 1", "!a in (1)", "=x", "a==(1)"])
def test_bad_label_selectors_are_400(selector: str) -> None:
    with pytest.raises(ApiError) as caught:
        selectors.parse_label_selector(selector)
    assert caught.value.code == 400


def test_merge_patch_is_rfc_7386() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    patch = {"a": "z", "c": {"f": None}}
    assert patching.merge_patch(target, patch=patch) == {"a": "z", "c": {"d": "e"}}
    assert patching.merge_patch({"a": [1, 2]}, patch={"a": [3]}) == {"a": [3]}


def test_json_patch_operations() -> None:
    doc = {"a": {"b": [1, 2]}, "c": 1}
    result = patching.json_patch(
        doc,
        operations=[
            {"op": "add", "path": "/a/b/-", "value": 3},
            {"op": "replace", "path": "/c", "value": 2},
            {"op": "copy", "from": "/c", "path": "/d"},
            {"op": "move", "from": "/d", "path": "/e~1f"},
            {"op": "remove", "path": "/a/b/0"},
            {"op": "test", "path": "/e~1f", "value": 2},
        ],
    )
    assert result == {"a": {"b": [2, 3]}, "c": 2, "e/f": 2}
    assert doc == {"a": {"b": [1, 2]}, "c": 1}  # the input is left alone
    with pytest.raises(ApiError) as caught:
        patching.json_patch(doc, operations=[{"op": "remove", "path": "/nope"}])
    assert caught.value.code == 422
