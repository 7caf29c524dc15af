"""How a child TrainingJob says whose it is, and how its parent finds it (issue 10 item 2).

Contract:
- `child_metadata(parent)` is the labels and annotations a child of `parent` carries: the label
  `CHILD_UID_LABEL=<parent UID>` (a UID always fits a label value), the label `CHILD_LABEL=<parent name>`
  only when the name is a valid label value (kube-apiserver refuses label values over 63 characters:
  apimachinery's `validation.IsValidLabelValue`; `metadata.name` may have 253), and the annotation
  `CHILD_PARENT_ANNOTATION=<parent name>` whatever its length.
- `child_selector(parent)` lists the children by the UID label. `legacy_selector(parent)` lists those
  that earlier versions labelled by name only (None when the name cannot be a label value: no such
  child can exist on a real API server).
- `is_child_of(child, parent)`: the child's controller ownerReference carries the parent's UID, a value
  the API server assigned. Labels and names are written by whoever can edit TrainingJobs; this is the
  proof used before the reconciler writes to or deletes a child it did not find by its UID label.
- `relabel(child, parent)`: the metadata merge patch that gives a child of `parent` what
  `child_metadata` says it carries, or None when it carries it already.
Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.core.model import (
    CHILD_LABEL,
    CHILD_PARENT_ANNOTATION,
    CHILD_UID_LABEL,
    ObjectMeta,
)

# apimachinery `validation.IsValidLabelValue`: at most 63 characters, empty or alphanumeric at both ends
# with `-`, `_`, `.` between.
_LABEL_VALUE_MAX = 63
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def is_label_value(value: str) -> bool:
    return len(value) <= _LABEL_VALUE_MAX and _LABEL_VALUE.match(value) is not None


def child_metadata(parent: ObjectMeta) -> tuple[dict[str, str], dict[str, str]]:
    """(labels, annotations) of a child of `parent`."""
    labels = {CHILD_UID_LABEL: parent.uid}
    if is_label_value(parent.name):
        labels[CHILD_LABEL] = parent.name
    return labels, {CHILD_PARENT_ANNOTATION: parent.name}


def child_selector(parent: ObjectMeta) -> str:
    return f"{CHILD_UID_LABEL}={parent.uid}"


def legacy_selector(parent: ObjectMeta) -> str | None:
    return f"{CHILD_LABEL}={parent.name}" if is_label_value(parent.name) else None


def is_child_of(child: ObjectMeta, parent: ObjectMeta) -> bool:
    return any(ref.controller and ref.uid == parent.uid for ref in child.owner_references)


def relabel(child: ObjectMeta, parent: ObjectMeta) -> dict[str, Any] | None:
    labels, annotations = child_metadata(parent)
    missing_labels = {k: v for k, v in labels.items() if child.labels.get(k) != v}
    missing_annotations = {k: v for k, v in annotations.items() if child.annotations.get(k) != v}
    if not missing_labels and not missing_annotations:
        return None
    metadata: dict[str, Any] = {}
    if missing_labels:
        metadata["labels"] = missing_labels
    if missing_annotations:
        metadata["annotations"] = missing_annotations
    return metadata
