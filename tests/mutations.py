"""Changing one member of a nested document by its path, for table and property tests.

Contract: `set_at(document, path, value)` walks `path` (keys and list indexes) in place and sets the last
step to `value`, or removes it when `value` is DELETE; it raises KeyError/IndexError/TypeError when the
path does not exist. `apply_mutations` does that for each (path, value), skipping a path an earlier
mutation has already replaced.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

DELETE = object()


def set_at(document: Any, path: tuple[Any, ...], value: Any) -> None:
    target = document
    for step in path[:-1]:
        target = target[step]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = copy.deepcopy(value)


def apply_mutations(document: Any, mutations: Iterable[tuple[tuple[Any, ...], Any]]) -> None:
    for path, value in mutations:
        try:
            set_at(document, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced the container
