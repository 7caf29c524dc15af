"""Optional persistence: a journal of the requests that changed state, replayed on the next start.

Contract: with a state_dir, every successful mutating request (create, stop, delete, tags) and
every forced outcome / failure-rate change is appended to `state_dir/journal.jsonl` with the
simulated instant it took effect. Because the lifecycle is a deterministic function of those
inputs and the seed, replaying the journal at the recorded instants rebuilds the exact state.
After a replay the clock is moved forward, if needed, so simulated time never runs backwards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from reconciler.sandbox.sagemaker import control, logs_ops, sagemaker_ops
from reconciler.sandbox.sagemaker.simulator import Simulator

MUTATING = frozenset(
    {
        "CreateHyperParameterTuningJob",
        "StopHyperParameterTuningJob",
        "DeleteHyperParameterTuningJob",
        "StopTrainingJob",
        "AddTags",
        "DeleteTags",
    }
)


class Journal:
    def __init__(self, state_dir: Path, simulator: Simulator) -> None:
        self.path = state_dir / "journal.jsonl"
        self.simulator = simulator
        self._file: IO[str] | None = None

    def load(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        sim = self.simulator
        latest = 0.0
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                if line.strip():
                    entry = json.loads(line)
                    latest = max(latest, float(entry["at"]))
                    self._replay(entry)
        behind = latest - sim.clock.now()
        if behind > 0:
            sim.clock.advance(behind)
        self._file = self.path.open("a", encoding="utf-8")
        sim.recorder = self.record

    def _replay(self, entry: dict[str, Any]) -> None:
        sim = self.simulator
        with sim.frozen_at(float(entry["at"])):
            kind = entry["kind"]
            if kind == "request":
                handler = (
                    sagemaker_ops.HANDLERS.get(entry["operation"]) or logs_ops.HANDLERS[entry["operation"]]
                )
                handler(sim, entry["params"], entry["region"])
            elif kind == "force":
                control.force_outcome(
                    sim, entry["name"], status=entry["status"], failure_reason=entry.get("failureReason")
                )
            elif kind == "failure-rates":
                control.set_failure_rates(
                    sim, retryable=entry["retryable"], non_retryable=entry["nonRetryable"]
                )
            elif kind == "instance-quota":
                control.set_instance_quota(sim, entry["instanceType"], entry["instances"])

    def record(self, entry: dict[str, Any]) -> None:
        if self._file is None:
            return
        if entry.get("kind") == "request" and entry.get("operation") not in MUTATING:
            return
        self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.write(json.dumps({"kind": "clock", "at": self.simulator.now()}) + "\n")
            self._file.close()
            self._file = None
        self.simulator.recorder = None
