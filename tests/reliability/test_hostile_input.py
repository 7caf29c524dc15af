"""Hostile input (issue 7): resource bodies that bypassed schema validation — wrong types, deep
nesting, huge and unicode strings, missing sections, a 3 MB spec. Goal: never a traceback or an
unexpected failure (exit 0), each bad resource Stalled with reason InvalidSpec and a clear one-line
message, no SageMaker job for it, and the good resources beside it reconciled as usual."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from reconciler.core.model import FINALIZER
from tests.e2e.e2e_world import World
from tests.reliability.hostile import hostile_specs, insert_raw, sample_spec

MAX_MESSAGE = 1500


def _refused_or_created(world: World, name: str) -> bool:
    """True when the resource was refused as InvalidSpec (checked), False when its spec happened to be
    valid (a null optional member, a unicode tag value...) and it was created like any other."""
    obj = world.get(name)
    status = obj.get("status") or {}
    conditions = {c["type"]: c for c in status.get("conditions", [])}
    stalled = conditions.get("Stalled")
    if stalled is None and not status:
        # The emulator, like kube-apiserver before 1.30 (no validation ratcheting), refuses the status
        # write of an object whose stored spec breaks the schema: the refusal is a Warning event.
        events = world.core.list_namespaced_event("default", field_selector=f"involvedObject.name={name}")
        rejected = [e for e in events.items if e.reason == "StatusRejected"]
        assert rejected, f"{name}: neither refused nor created: {status}"
        message = str(rejected[0].message)
        assert "InvalidSpec" in message or "the spec is invalid" in message, message
        assert "\n" not in message and len(message) <= 2 * MAX_MESSAGE, repr(message[:3000])
        assert FINALIZER not in (obj["metadata"].get("finalizers") or [])
        return True
    if stalled is None:
        job = status.get("sageMakerHyperParameterTuningJobName")
        assert job in world.sagemaker.tuning_job_names(), f"{name}: neither refused nor created: {status}"
        return False
    assert stalled["reason"] == "InvalidSpec", f"{name}: {stalled} spec={str(obj.get('spec'))[:500]}"
    message = stalled["message"]
    assert message and "\n" not in message and len(message) <= MAX_MESSAGE, repr(message[:2000])
    assert "spec" in message
    assert conditions["Ready"]["status"] == "False"
    assert FINALIZER not in (obj["metadata"].get("finalizers") or []), "a finalizer for a job never created"
    return True


def _generation_observed(obj: dict[str, Any]) -> bool:
    generation = obj["metadata"].get("generation")
    return bool((obj.get("status") or {}).get("observedGeneration", generation) == generation)


def _pass_over(world: World, bad: dict[str, Any], *, all_refused: bool = True) -> None:
    world.create_sample("good-before")
    for name, spec in bad.items():
        insert_raw(world, name, spec)
    world.create_sample("good-after")
    result = world.run()
    assert result.code == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert "outcome=failed" not in result.stdout + result.stderr
    accepted = [name for name in bad if not _refused_or_created(world, name)]
    if all_refused:
        assert accepted == []
    jobs = world.sagemaker.tuning_job_names()
    assert len(jobs) == 2 + len(accepted), jobs
    for name in ("good-before", "good-after"):
        assert world.get(name)["status"]["sageMakerHyperParameterTuningJobName"] in jobs
    # A second pass leaves the refusals as they are (no flapping, no rewrite). Only those whose generation
    # the first pass observed: a body inserted raw may hold members kube-apiserver would have pruned at
    # create; the first write to it prunes them, which is a new generation, and a new generation is
    # rightly looked at again.
    refused = [name for name in bad if name not in accepted and _generation_observed(world.get(name))]
    versions = {name: world.get(name)["metadata"]["resourceVersion"] for name in refused}
    again = world.run()
    assert again.code == 0
    assert {name: world.get(name)["metadata"]["resourceVersion"] for name in refused} == versions


# No shrinking: a failing example is printed whole, and shrinking passes of the real CLI takes minutes.
@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(bad=st.lists(hostile_specs(), min_size=3, max_size=6))
def test_generated_bodies(world: World, bad: list[Any]) -> None:
    world.kube.cluster.store.drop_resource(("sagemaker.aws.amazon.com", "hyperparametertuningjobs"))
    _reset_sagemaker(world)
    _pass_over(world, {f"bad-{index}": spec for index, spec in enumerate(bad)}, all_refused=False)


def test_three_megabyte_spec(world: World) -> None:
    spec = sample_spec()
    spec["tags"] = [{"key": f"k{index}", "value": "v" * 30_000} for index in range(100)]
    assert len(str(spec)) > 3_000_000
    _pass_over(world, {"huge": spec})


def test_spec_that_is_not_an_object(world: World) -> None:
    _pass_over(world, {"a-list": [1, 2], "a-string": "spec", "a-number": 7, "null": None, "empty": {}})


def _reset_sagemaker(world: World) -> None:
    simulator = world.sagemaker.simulator
    with simulator.store.lock:
        simulator.store.jobs.clear()
        simulator.store.created_names.clear()
