"""Which changes are reported as Kubernetes Events: transitions only, never a repeat of the last one.

Contract:
- `stall_warning_due(before, after)`: a Warning event named after the Stalled reason is due when
  the reason recorded before the pass (`before`, None when not Stalled) differs from the reason
  decided now (`after`). A resource that stays Stalled for the same reason pass after pass (an
  invalid spec, a rejected create, a foreign job under its name) is reported once.
- `status_changed_due(wrote=..., before=..., after=..., adopted=...)`: a Normal StatusChanged event
  is due when the status was written and SageMaker's job status differs from the one recorded
  before, unless the job was just adopted (the Adopted event reports that transition).
Events that report an act of this pass (Created, Adopted, Stopping, Deleted) are due whenever the
act succeeds: the act itself is the transition.
Pure: no I/O.
"""

from __future__ import annotations


def stall_warning_due(before: str | None, after: str) -> bool:
    return before != after


def status_changed_due(*, wrote: bool, before: str | None, after: str, adopted: bool = False) -> bool:
    return wrote and before != after and not adopted
