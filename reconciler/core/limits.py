"""Whether a ResourceLimitExceeded answer heals by itself, read from SageMaker's message.

Contract:
- `read_limit(message)` parses SageMaker's account-limit wording, "The account-level service limit
  '<name>' is <limit> <unit>, with current utilization of <used> <unit> and a request delta of
  <delta> <unit>." (also the older "limit for <name> is ..."), into `AccountLimit`, or None.
- `AccountLimit.permanent` is True when the request alone is larger than the limit (`delta > limit`,
  e.g. an instance type whose quota is 0): no other job finishing can make room, only a quota
  increase (or a smaller request) can. Otherwise the limit is in use by other jobs and frees up
  when they end: a wait that heals by itself.
- `quota_message(limit, sagemaker_message)` is the Stalled message for a permanent limit: SageMaker's
  own words, then what to do.
A message this module cannot read is not called permanent: the caller keeps treating it as a limit
in use (transient). Pure, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# SageMaker's wording, as its ResourceLimitExceeded answers quote it (CreateTrainingJob,
# CreateHyperParameterTuningJob, CreateEndpoint all use it).
_LIMIT: Final = re.compile(
    r"account-level service limit (?:'(?P<quoted>[^']+)'|for (?P<bare>\S+)) is (?P<limit>\d+) (?P<unit>\w+), "
    r"with current utilization of (?P<used>\d+) \w+ and a request delta of (?P<delta>\d+) \w+"
)


@dataclass(frozen=True)
class AccountLimit:
    name: str
    limit: int
    used: int
    delta: int
    unit: str

    @property
    def permanent(self) -> bool:
        return self.delta > self.limit


def read_limit(message: str) -> AccountLimit | None:
    found = _LIMIT.search(message or "")
    if found is None:
        return None
    return AccountLimit(
        name=found.group("quoted") or found.group("bare"),
        limit=int(found.group("limit")),
        used=int(found.group("used")),
        delta=int(found.group("delta")),
        unit=found.group("unit"),
    )


def quota_message(limit: AccountLimit, sagemaker_message: str) -> str:
    return (
        f"SageMaker refused the tuning job: {sagemaker_message.strip()} The quota '{limit.name}' "
        f"({limit.limit} {limit.unit}) is smaller than this job needs at once ({limit.delta}), so waiting "
        "for other jobs cannot help: request an increase of that quota in AWS Service Quotas (SageMaker), "
        "or change the spec to need less (another instance type, fewer instances or parallel training "
        "jobs); the job is created on the next pass after the quota allows it"
    )
