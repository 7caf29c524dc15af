"""What an operation handler may read and change of the simulator: its store, knobs and clock.

Contract: `Simulator` (simulator.py) satisfies `SimulatorState`. Handlers in sagemaker_ops.py and
logs_ops.py are typed against this Protocol, so the simulator imports its handlers and no handler
imports the simulator back.
"""

from __future__ import annotations

from typing import Protocol

from reconciler.sandbox.sagemaker.model import Knobs
from reconciler.sandbox.sagemaker.store import Store


class SimulatorState(Protocol):
    store: Store
    knobs: Knobs
    max_running_tuning_jobs: int
    seed: int

    def now(self) -> float: ...
