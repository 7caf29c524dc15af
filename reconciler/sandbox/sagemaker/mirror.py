"""The `/sandbox/` HTTP mirror of the in-process test controls.

Contract (JSON in, JSON out; 200 on success, 400 `{"error": "..."}` on bad input, 404 unknown path):
  GET  /sandbox/stats          -> {"requests": {"<Operation>": count, ...}}
  POST /sandbox/reset          -> clears counters, faults and latency
  POST /sandbox/faults         {"operation", "name"?, "error"?, "times"?}  scripted fault
                               {"rate", "error"?, "operations"?}           random faults
                               {"latency": seconds}                        added latency
                               error: an AWS error code ("ThrottlingException") or 500/503
  POST /sandbox/advance        {"seconds"}                     moves the simulated clock
  POST /sandbox/force-outcome  {"name", "status", "failureReason"?}
  POST /sandbox/failure-rates  {"retryable"?, "nonRetryable"?}
  POST /sandbox/instance-quota {"instanceType", "instances"}  (instances null: unlimited)
  GET  /sandbox/tuning-jobs    -> {"names": [every tuning job ever created]}
  GET  /sandbox/clock          -> {"now": simulated epoch seconds, "timeScale": x}
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.sandbox.sagemaker import control
from reconciler.sandbox.sagemaker.simulator import Simulator

PREFIX = "/sandbox/"


def handle(sim: Simulator, *, method: str, path: str, body: bytes) -> tuple[int, Any]:
    route = path[len(PREFIX) :].split("?", 1)[0].strip("/")
    try:
        data = json.loads(body) if body.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return _dispatch(sim, method=method, route=route, data=data)
    except (ValueError, TypeError, KeyError) as exc:
        message = f"missing member {exc}" if isinstance(exc, KeyError) else str(exc)
        return 400, {"error": message}


def _dispatch(sim: Simulator, *, method: str, route: str, data: dict[str, Any]) -> tuple[int, Any]:
    if method == "GET" and route == "stats":
        return 200, {"requests": sim.faults.stats()}
    if method == "GET" and route == "tuning-jobs":
        return 200, {"names": control.tuning_job_names(sim)}
    if method == "GET" and route == "clock":
        return 200, {"now": sim.now(), "timeScale": sim.clock.time_scale}
    if method != "POST":
        return 404, {"error": f"no such sandbox endpoint: {method} {PREFIX}{route}"}
    if route == "reset":
        sim.faults.reset_stats()
        sim.faults.clear()
    elif route == "faults":
        _faults(sim, data)
    elif route == "advance":
        control.advance(sim, float(data["seconds"]))
    elif route == "force-outcome":
        control.force_outcome(
            sim, str(data["name"]), status=str(data["status"]), failure_reason=data.get("failureReason")
        )
    elif route == "failure-rates":
        control.set_failure_rates(
            sim,
            retryable=float(data.get("retryable", 0.0)),
            non_retryable=float(data.get("nonRetryable", 0.0)),
        )
    elif route == "instance-quota":
        instances = data["instances"]
        control.set_instance_quota(
            sim, str(data["instanceType"]), None if instances is None else int(instances)
        )
    else:
        return 404, {"error": f"no such sandbox endpoint: {method} {PREFIX}{route}"}
    return 200, {}


def _faults(sim: Simulator, data: dict[str, Any]) -> None:
    error = data.get("error", "ThrottlingException")
    if not isinstance(error, str | int):
        raise ValueError("error must be an AWS error code or an HTTP status")
    if "latency" in data:
        sim.faults.latency = float(data["latency"])
    elif "rate" in data:
        operations = data.get("operations")
        sim.faults.set_rate(
            rate=float(data["rate"]),
            error=error,
            operations=list(operations) if operations is not None else None,
        )
    else:
        sim.faults.inject(
            operation=str(data["operation"]),
            name=data.get("name"),
            error=error,
            times=int(data.get("times", 1)),
        )
