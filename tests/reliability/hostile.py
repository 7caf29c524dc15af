"""Hostile HyperparameterTuningJob bodies for the reliability suite.

- `insert_raw(world, name, spec)` stores a resource straight into the Kubernetes emulator's store,
  as an object written before the CRD had a schema (or through a broken admission path) would be:
  no schema validation, no pruning, `spec` may be anything JSON can hold. The reconciler reads it
  through the real API like any other resource.
- Hypothesis strategies: `json_values` (any JSON, unicode, nesting), `hostile_specs` (the sample with
  one member replaced by a value of the wrong type or shape, deleted, or the whole spec replaced).
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any

import yaml
from hypothesis import strategies as st

from reconciler.core.model import API_VERSION
from reconciler.sandbox.kube.store import Entry
from tests.e2e.e2e_world import GROUP, PLURAL, SAMPLE, World


def sample_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())["spec"]
    return spec


def insert_raw(world: World, name: str, spec: Any) -> None:
    cluster = world.kube.cluster
    rt = cluster.type_for_key((GROUP, PLURAL))
    assert rt is not None
    with cluster.store.lock:
        obj = {
            "apiVersion": API_VERSION,
            "kind": "HyperparameterTuningJob",
            "metadata": {
                "name": name,
                "namespace": "default",
                "uid": str(uuid.uuid4()),
                "resourceVersion": str(cluster.store.next_rv()),
                "generation": 1,
                "creationTimestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "spec": spec,
        }
        cluster.store.put(rt.key, Entry.of(obj, selectable_fields=rt.selectable_fields), change_type="ADDED")


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.text(
        alphabet=st.characters(min_codepoint=0x80, max_codepoint=0x10FFFF, blacklist_categories=["Cs"]),
        max_size=20,
    ),
    st.just("x" * 100_000),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def hostile_specs(draw: st.DrawFn) -> Any:
    spec = sample_spec()
    how = draw(st.sampled_from(["replace", "replace", "delete", "whole", "nest"]))
    if how == "whole":
        return draw(json_values)
    path = draw(st.sampled_from(_paths(spec)))
    parent: Any = spec
    for key in path[:-1]:
        parent = parent[key]
    if how == "delete":
        del parent[path[-1]]
        # Deleting an optional member leaves a valid spec: then also break a required one.
        config = spec.get("hyperParameterTuningJobConfig")
        if isinstance(config, dict):
            config.pop("strategy", None)
        else:
            spec.pop("roleArn", None)
        return spec
    if how == "nest":
        deep: Any = "bottom"
        for _ in range(draw(st.integers(min_value=50, max_value=400))):
            deep = {"a": [deep]}
        parent[path[-1]] = deep
        return spec
    replacement = draw(json_values.filter(lambda v: type(v) is not type(parent[path[-1]])))
    parent[path[-1]] = copy.deepcopy(replacement)
    return spec
