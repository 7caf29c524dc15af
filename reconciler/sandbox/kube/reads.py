"""Get and list, with selectors and `limit`/`continue` paging over a consistent snapshot.

Contract:
- `get(cluster, rt, namespace, name)` returns the stored entry or raises 404 NotFound.
- `list_page(cluster, rt, namespace, query)` applies `labelSelector`, `fieldSelector`, `limit` and
  `continue`. The first page of a limited list pins a snapshot; its continue token names the snapshot
  and the position, so later pages see the same objects at the same resourceVersions even when writes
  happen in between (as etcd reads at the first page's revision). A token whose snapshot has expired is
  410 Expired. `remainingItemCount` is set when no selector is used, as the API server does.
- `list_body(rt, page)` renders a `<Kind>List` by splicing the stored JSON bytes (no re-encoding).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.sandbox.kube import selectors
from reconciler.sandbox.kube.cluster import Cluster
from reconciler.sandbox.kube.errors import bad_request, expired, not_found
from reconciler.sandbox.kube.registry import ResourceType
from reconciler.sandbox.kube.store import Entry


@dataclass
class ListPage:
    entries: list[Entry]
    rv: int
    continue_token: str = ""
    remaining: int | None = None


@dataclass(frozen=True)
class Filter:
    labels: selectors.LabelPredicate | None
    fields: selectors.FieldPredicate | None

    def matches(self, entry: Entry) -> bool:
        if self.labels is not None and not self.labels(entry.labels):
            return False
        if self.fields is not None:
            values = {**entry.fields, "metadata.name": entry.name, "metadata.namespace": entry.namespace}
            return self.fields(values)
        return True

    @property
    def empty(self) -> bool:
        return self.labels is None and self.fields is None


def make_filter(rt: ResourceType, *, query: Mapping[str, str]) -> Filter:
    allowed = {"metadata.name", "metadata.namespace", *rt.selectable_fields}
    return Filter(
        labels=selectors.parse_label_selector(query.get("labelSelector", "")),
        fields=selectors.parse_field_selector(query.get("fieldSelector", ""), allowed=allowed),
    )


def get(cluster: Cluster, *, rt: ResourceType, namespace: str | None, name: str) -> Entry:
    entry = cluster.store.get(rt.key, namespace=namespace or "", name=name)
    if entry is None:
        raise not_found(rt.plural, group=rt.group, name=name)
    return entry


def _encode_token(snap_id: str, *, offset: int, rv: int) -> str:
    raw = json.dumps({"v": "sandbox/v1", "snapshot": snap_id, "offset": offset, "rv": rv}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> tuple[str, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return str(data["snapshot"]), int(data["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise bad_request(f"continue key is not valid: {token!r}") from None


def list_page(
    cluster: Cluster, *, rt: ResourceType, namespace: str | None, query: Mapping[str, str]
) -> ListPage:
    flt = make_filter(rt, query=query)
    try:
        limit = int(query.get("limit") or 0)
    except ValueError:
        raise bad_request(f"limit: Invalid value: {query.get('limit')!r}: must be an integer") from None
    token = query.get("continue", "")
    store = cluster.store
    if token:
        snap_id, offset = _decode_token(token)
        snap = store.find_snapshot(snap_id)
        if snap is None:
            raise expired(
                "The provided continue parameter is too old to display a consistent list result. "
                "Start a new list without the continue parameter."
            )
    elif limit > 0:
        snap_id, snap = store.snapshot(rt.key, namespace=namespace)
        offset = 0
    else:
        with store.lock:
            rv, entries = store.current_rv, store.entries(rt.key, namespace=namespace)
        return ListPage([e for e in entries if flt.matches(e)] if not flt.empty else entries, rv)
    selected: list[Entry] = []
    position = offset
    entries = snap.entries
    while position < len(entries) and (limit <= 0 or len(selected) < limit):
        if flt.matches(entries[position]):
            selected.append(entries[position])
        position += 1
    more = position < len(entries)
    return ListPage(
        selected,
        snap.rv,
        _encode_token(snap_id, offset=position, rv=snap.rv) if more else "",
        (len(entries) - position) if more and flt.empty else None,
    )


def list_meta(page: ListPage) -> dict[str, object]:
    meta: dict[str, object] = {"resourceVersion": str(page.rv)}
    if page.continue_token:
        meta["continue"] = page.continue_token
    if page.remaining is not None:
        meta["remainingItemCount"] = page.remaining
    return meta


def list_body(rt: ResourceType, *, page: ListPage) -> bytes:
    head = json.dumps(
        {"kind": f"{rt.kind}List", "apiVersion": rt.api_version, "metadata": list_meta(page)},
        separators=(",", ":"),
    ).encode()
    return head[:-1] + b',"items":[' + b",".join(e.raw for e in page.entries) + b"]}"
