"""Warm-start parents: another team's tuning results are that team's data (issue 10 item 4).

Contract:
- `parent_names(spec)` lists the `hyperParameterTuningJobName` of each
  `spec.warmStartConfig.parentHyperParameterTuningJobs[]`
  (tolerantly: whatever is not a usable name is the spec validation's business, not this module's).
- `ParentSeen` is what SageMaker said of one parent: its status (None: no such job) and its
  `hpo-reconciler/namespace` tag (None: untagged, or not read).
- `check_parents(namespace, parents, allow_foreign=...)` returns one `ParentCheck`:
  `refusal` (Stalled/WarmStartParentNotAllowed: a parent that exists but is not this namespace's,
  unless the cluster admin allows foreign parents), else `waiting` (a parent that does not exist yet,
  or has not finished: this heals by itself, so the resource stays Reconciling and is retried with
  backoff), else neither (create). A refusal wins over waiting: it needs a person either way.
  Messages name the parent the user wrote and what to do, never whose the parent is.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ALLOW_FOREIGN_FLAG = "--allow-foreign-warm-start-parents"
_FINISHED = frozenset({"Completed", "Stopped", "Failed"})


@dataclass(frozen=True)
class ParentSeen:
    name: str
    status: str | None  # None: SageMaker has no such job
    namespace_tag: str | None = None


@dataclass(frozen=True)
class ParentCheck:
    refusal: str | None = None  # the message of Stalled/WarmStartParentNotAllowed
    waiting: str | None = None  # what the resource waits for (Reconciling)


def parent_names(spec: Mapping[str, Any]) -> list[str]:
    warm = spec.get("warmStartConfig")
    parents = warm.get("parentHyperParameterTuningJobs") if isinstance(warm, Mapping) else None
    names = []
    for parent in parents if isinstance(parents, list) else []:
        name = parent.get("hyperParameterTuningJobName") if isinstance(parent, Mapping) else None
        if isinstance(name, str) and name:
            names.append(name)
    return names


def check_parents(namespace: str, parents: Sequence[ParentSeen], *, allow_foreign: bool) -> ParentCheck:
    """Whether a tuning job of `namespace` may warm-start from `parents` now; see the module contract."""
    foreign = [
        p.name for p in parents if p.status is not None and not allow_foreign and p.namespace_tag != namespace
    ]
    if foreign:
        listed = ", ".join(repr(n) for n in foreign)
        return ParentCheck(
            refusal=f"warm-start parent tuning job {listed} was not created by hpo-reconciler for a resource "
            f"of namespace {namespace}; a warm start reuses its parents' results, so only this namespace's "
            f"jobs may be parents. Name a parent of this namespace in spec.warmStartConfig, or ask the "
            f"cluster admin to run hpo-reconciler with {ALLOW_FOREIGN_FLAG}"
        )
    missing = [p.name for p in parents if p.status is None]
    running = [p.name for p in parents if p.status is not None and p.status not in _FINISHED]
    waits = []
    if missing:
        waits.append(f"warm-start parent tuning job {', '.join(repr(n) for n in missing)} to be created")
    if running:
        waits.append(f"warm-start parent tuning job {', '.join(repr(n) for n in running)} to finish")
    if waits:
        return ParentCheck(waiting="waiting for " + " and ".join(waits) + "; retried with backoff")
    return ParentCheck()
