"""Crash points for the reliability suite: make one external call of a pass take effect and then fail.

- Kubernetes: the emulator's scripted fault with `when="after"` (the write is stored, the client gets
  the error). SageMaker: the simulator has no "after" fault, so `SageMakerAfterFault` hooks the
  simulator's request recorder, which runs right after a request's handler changed the state, and
  raises the error there: the call took effect, the client sees a failure.
- Two kinds of failure: `crash` is one no client retries (Kubernetes 403, SageMaker "InjectedCrash"
  400): the reconciler abandons the resource right after the call, as if the process had died there;
  `lost` is a 500 that the clients retry (a response lost after the write happened).
- `Phase`: a point of a resource's life (create, children appear, completed, stop on delete,
  finalize) with how to bring a fresh world there; `record_calls` runs a phase's pass cleanly and
  returns the external calls it made, which is the list of crash points of that phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.sandbox.sagemaker.errors import ApiError
from tests.e2e.e2e_world import GROUP, PLURAL, VERSION, World

NAME = "crash-hpo"
FaultKind = Literal["crash", "lost"]
KUBE_WRITES = ("CREATE", "UPDATE", "PATCH", "DELETE")
SAGEMAKER_READS_AND_WRITES = (
    "CreateHyperParameterTuningJob",
    "DescribeHyperParameterTuningJob",
    "StopHyperParameterTuningJob",
    "ListTrainingJobsForHyperParameterTuningJob",
    "DescribeTrainingJob",
    "ListTags",
)


class SageMakerAfterFault:
    """Fail the next `times` requests of `operation` after the simulator has executed them."""

    def __init__(self, world: World, *, operation: str, kind: FaultKind, times: int = 1) -> None:
        self.simulator = world.sagemaker.simulator
        self.operation = operation
        self.kind = kind
        self.remaining = times
        self.fired = 0
        self.simulator.recorder = self

    def __call__(self, entry: dict[str, Any]) -> None:
        if entry.get("kind") != "request" or entry.get("operation") != self.operation or not self.remaining:
            return
        self.remaining -= 1
        self.fired += 1
        if self.kind == "crash":
            raise ApiError("InjectedCrash", f"injected failure after {self.operation} took effect")
        raise ApiError("InternalFailure", "An internal error has occurred. Please try again.", status=500)

    def remove(self) -> None:
        self.simulator.recorder = None


def inject_after(world: World, call: str, *, kind: FaultKind) -> Callable[[], int]:
    """Arm a failure right after the first `call` ("PATCH trainingjobs/status" or a SageMaker operation);
    returns a function telling how many times it fired."""
    if " " in call:
        verb, resource = call.split(" ", 1)
        before = world.kube.stats().get(call, 0)
        status = 403 if kind == "crash" else 500
        world.kube.inject_fault(verb=verb, resource=resource, status=status, when="after")
        return lambda: int(world.kube.stats().get(call, 0) > before)
    fault = SageMakerAfterFault(world, operation=call, kind=kind)
    return lambda: fault.fired


def delete_resource(world: World, name: str = NAME) -> None:
    world.custom.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name)


def _create(world: World) -> None:
    world.create_sample(NAME)


def _children(world: World) -> None:
    _create(world)
    assert world.run().code == 0
    world.sagemaker.advance(100)  # every training job launched and InProgress


def _completed(world: World) -> None:
    _children(world)
    assert world.run().code == 0
    world.sagemaker.advance(3600)


def _stop(world: World) -> None:
    _children(world)
    assert world.run().code == 0
    delete_resource(world)


def _finalize(world: World) -> None:
    _stop(world)
    assert world.run().code == 0
    world.sagemaker.advance(3600)  # Stopping -> Stopped


@dataclass(frozen=True)
class Phase:
    name: str
    prepare: Callable[[World], None]
    deleting: bool


PHASES = {
    phase.name: phase
    for phase in (
        Phase("create", _create, deleting=False),
        Phase("children", _children, deleting=False),
        Phase("completed", _completed, deleting=False),
        Phase("stop", _stop, deleting=True),
        Phase("finalize", _finalize, deleting=True),
    )
}


def record_calls(world: World, phase: Phase) -> list[str]:
    """The external calls of the phase's pass: Kubernetes writes and SageMaker requests."""
    phase.prepare(world)
    world.reset_stats()
    assert world.run().code == 0
    writes = [k for k, v in world.kube.stats().items() if v and k.split(" ")[0] in KUBE_WRITES]
    calls = [k for k, v in world.sagemaker.stats().items() if v]
    return sorted(writes) + sorted(calls)
