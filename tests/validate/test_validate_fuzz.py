"""Property: whatever a manifest holds, validate reports problems one per line and never raises."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.tools.validate import Outcome, run
from tests.mutations import apply_mutations

MAIN_SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "xgboost-mnist-hpo.yaml"
BASE: dict[str, Any] = yaml.safe_load(MAIN_SAMPLE.read_text())

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(paths(item, (*prefix, index)))
    return found


DOCUMENT_PATHS = [p for p in paths(BASE) if p]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(DOCUMENT_PATHS), json_values), min_size=1, max_size=3))
def test_mutated_manifests_never_raise(mutations: list[tuple[tuple[Any, ...], Any]]) -> None:
    document = copy.deepcopy(BASE)
    apply_mutations(document, mutations)
    out, err = io.StringIO(), io.StringIO()
    text = yaml.safe_dump(document).encode()
    outcome = run(["-"], stdout=out, stderr=err, stdin=io.BytesIO(text))
    assert outcome in (Outcome.VALID, Outcome.INVALID)
    lines = out.getvalue().split("\n")[:-1]  # not splitlines(): U+0085 inside a quoted value is no line end
    assert lines[-1].startswith("1 file(s), ")  # the summary is the last line
    lines = lines[:-1]
    assert (outcome is Outcome.VALID) == (lines == [])
    assert all(line.startswith("<stdin>:0: ") for line in lines)
