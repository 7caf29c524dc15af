"""Get and list, with selectors and `limit`/`continue` paging at one revision, as etcd serves them.

Contract:
- `get(cluster, rt, namespace, name)` returns the stored entry or raises 404 NotFound.
- `list_page(cluster, rt, namespace, query)` applies `labelSelector`, `fieldSelector`, `limit` and
  `continue`. Objects are ordered by their etcd key below the list's prefix (`<namespace>/<name>` for a
  list across namespaces, else `<name>`). A limited list that has more answers a continue token in
  kube-apiserver's format (base64url of
  `{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<last key>\\x00"}`); the next page reads the same
  revision from the store's history (`Store.entries_at`), so writes in between do not show, as etcd reads
  at the first page's revision. Once that revision is compacted (`Store.compacted_rv`, 5 minutes by
  default) the token answers 410 Expired with the real message and a new token in `metadata.continue`
  that continues at the latest revision (rv -1, an inconsistent continuation), as
  `handleCompactedErrorForPaging` in apiserver's etcd3 store does. `remainingItemCount` is set when no
  selector is used, as the API server does.
- `list_body(rt, page)` renders a `<Kind>List` by splicing the stored JSON bytes (no re-encoding).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter

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


CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter, or use the continue token in this response to retrieve the "
    "remainder of the results. Continuing with the provided token results in an inconsistent list - "
    "objects that were created, modified, or deleted between the time the first chunk was returned and "
    "now may show up in the list."
)


# An object's key under its resource's etcd prefix: the order of list pages and of continue tokens.
def _key_across_namespaces(entry: Entry) -> str:
    return f"{entry.namespace}/{entry.name}"


def _key_within_namespace(entry: Entry) -> str:
    return entry.name


def _encode_token(start: str, *, rv: int) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[str, int]:
    """apiserver `storage.DecodeContinue`: (start key, revision); a malformed token is 400 BadRequest."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(data, dict) or data.get("v") != "meta.k8s.io/v1":
            raise ValueError("continue key is not valid: incorrect encoded start resourceVersion")
        rv = data.get("rv")
        if not isinstance(rv, int) or isinstance(rv, bool) or rv == 0 or rv < -1:
            raise ValueError("continue key is not valid: incorrect encoded start resourceVersion")
        start = data.get("start")
        if not isinstance(start, str) or not start or "/../" in f"/{start}/":
            raise ValueError("continue key is not valid: encoded start key is empty or escapes the prefix")
        return start, rv
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        detail = str(exc) if str(exc).startswith("continue key") else "continue key is not valid"
        raise bad_request(f"invalid continue token: {detail}") from None


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
    etcd_key = _key_across_namespaces if rt.namespaced and namespace is None else _key_within_namespace
    start = ""
    keyed: list[tuple[str, Entry]] | None = None
    with store.lock:
        if token:
            start, rv = _decode_token(token)
            if rv > 0 and rv != store.current_rv:  # a page of an older revision, if not compacted
                keyed = store.entries_at(rt.key, namespace=namespace, rv=rv, key=etcd_key)
                if keyed is None:
                    error = expired(CONTINUE_EXPIRED)
                    error.list_meta = {"continue": _encode_token(start, rv=-1)}
                    raise error
        elif limit <= 0:  # one unpaged answer: filter while reading, sort only what matched
            where = None if flt.empty else flt.matches
            return ListPage(store.entries(rt.key, namespace=namespace, where=where), store.current_rv)
        if keyed is None:  # the first page, a page of the current revision, or rv -1 (continue at the latest)
            rv, keyed = store.ordered(rt.key, namespace=namespace, key=etcd_key)
    # The first key at or after `start` (keys are unique and sorted).
    position = bisect.bisect_left(keyed, start, key=itemgetter(0)) if start else 0
    selected: list[Entry] = []
    while position < len(keyed) and (limit <= 0 or len(selected) < limit):
        if flt.matches(keyed[position][1]):
            selected.append(keyed[position][1])
        position += 1
    more = position < len(keyed)
    return ListPage(
        selected,
        rv,
        _encode_token(keyed[position - 1][0] + "\x00", rv=rv) if more else "",
        (len(keyed) - position) if more and flt.empty else None,
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
