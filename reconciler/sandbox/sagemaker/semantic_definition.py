"""SageMaker's create-time rules on one training job definition and on the warm start of a tuning job.

Contract: `definition_problems(definition)` and `warm_start_problems(request)` return messages
(empty when fine) for a PascalCase request already valid against the botocore model. Rules:
exactly one of ResourceConfig / HyperParameterTuningResourceConfig; MaxRuntimeInSeconds at most
28 days; MaxWaitTimeInSeconds only with managed spot training, which needs it, at least
MaxRuntimeInSeconds (default 86400); channel names unique; warm start from 1 to 5 distinct
parents, none the job itself. (Whether the parents exist is the store's to say.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_RUNTIME_SECONDS = 28 * 24 * 3600
DEFAULT_RUNTIME_SECONDS = 86400
MAX_WARM_START_PARENTS = 5


def definition_problems(definition: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    fixed, flexible = "ResourceConfig" in definition, "HyperParameterTuningResourceConfig" in definition
    if fixed == flexible:
        problems.append("Specify exactly one of ResourceConfig or HyperParameterTuningResourceConfig.")
    stopping: Mapping[str, Any] = definition.get("StoppingCondition") or {}
    runtime = stopping.get("MaxRuntimeInSeconds")
    wait = stopping.get("MaxWaitTimeInSeconds")
    spot = definition.get("EnableManagedSpotTraining") is True
    if runtime is not None and runtime > MAX_RUNTIME_SECONDS:
        problems.append(
            f"MaxRuntimeInSeconds ({runtime}) exceeds the limit of {MAX_RUNTIME_SECONDS} seconds."
        )
    if wait is not None and not spot:
        problems.append("MaxWaitTimeInSeconds is supported only when EnableManagedSpotTraining is true.")
    if spot and wait is None:
        problems.append("Managed spot training needs StoppingCondition.MaxWaitTimeInSeconds.")
    effective = runtime if runtime is not None else DEFAULT_RUNTIME_SECONDS
    if spot and wait is not None and wait < effective:
        problems.append(f"MaxWaitTimeInSeconds ({wait}) must be at least MaxRuntimeInSeconds ({effective}).")
    names = [c.get("ChannelName") for c in definition.get("InputDataConfig") or []]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"Channel names must be unique within InputDataConfig: {', '.join(duplicates)}.")
    return problems


def warm_start_problems(request: Mapping[str, Any]) -> list[str]:
    warm: Mapping[str, Any] = request.get("WarmStartConfig") or {}
    if not warm:
        return []
    parents = [
        p.get("HyperParameterTuningJobName", "") for p in warm.get("ParentHyperParameterTuningJobs") or []
    ]
    if not 1 <= len(parents) <= MAX_WARM_START_PARENTS:
        return [f"A warm start takes 1 to {MAX_WARM_START_PARENTS} parent tuning jobs, not {len(parents)}."]
    lowered = [p.lower() for p in parents]
    if len(set(lowered)) != len(lowered):
        return ["Each parent hyperparameter tuning job can be listed only once."]
    if request.get("HyperParameterTuningJobName", "").lower() in lowered:
        return ["A hyperparameter tuning job cannot warm start from itself."]
    return []
