"""Which tag edits a spec asks of a running tuning job: the one thing SageMaker lets change.

Contract:
- `tag_changes(desired, current)` compares the spec's tags (`[{Key, Value}]`, API form) with the
  job's tags as ListTags returns them and returns `TagChanges(add, remove)`: `add` the tags to
  put (new keys and changed values, for AddTags), `remove` the keys to drop (for DeleteTags).
- Keys the reconciler owns (`hpo-reconciler/...`, the proof of ownership) and keys AWS reserves
  (`aws:...`, which no caller may add or delete) are never added or removed, whatever either side
  says; AddTags overwrites a key's value, so a changed value needs no delete.
- Pure, no I/O. Both lists are taken as given: a duplicate key keeps its last value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from reconciler.core.model import TAG_NAME

RECONCILER_PREFIX: Final = TAG_NAME.split("/", 1)[0] + "/"  # "hpo-reconciler/"
AWS_PREFIX: Final = "aws:"


@dataclass(frozen=True)
class TagChanges:
    add: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)

    def describe(self) -> str:
        """`added a=1, b=2; removed c` for an Event message."""
        parts = []
        if self.add:
            parts.append("set " + ", ".join(f"{key}={value}" for key, value in self.add))
        if self.remove:
            parts.append("removed " + ", ".join(self.remove))
        return "; ".join(parts)


def untouchable(key: str) -> bool:
    return key.startswith(RECONCILER_PREFIX) or key.lower().startswith(AWS_PREFIX)


def _as_map(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in tags or ():
        key = tag.get("Key")
        if isinstance(key, str) and not untouchable(key):
            found[key] = str(tag.get("Value", ""))
    return found


def tag_changes(
    desired: Iterable[Mapping[str, Any]] | None, current: Iterable[Mapping[str, Any]] | None
) -> TagChanges:
    wanted, present = _as_map(desired), _as_map(current)
    add = tuple(sorted((k, v) for k, v in wanted.items() if present.get(k) != v))
    remove = tuple(sorted(k for k in present if k not in wanted))
    return TagChanges(add, remove)
