"""Watch streams: newline-delimited JSON events, as `?watch=true` answers them.

Contract: `events(cluster, rt, namespace, query, render=, stopping=)` yields encoded lines
`{"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object": ...}`:
- without `resourceVersion` (or with "0") it first sends the current matching objects as ADDED, then
  changes; with `resourceVersion=N` it sends every change after N; N older than the change log yields
  one ERROR event carrying a 410 Expired Status (the client must re-list), as after etcd compaction;
- selectors apply to each change: an object that stops matching is reported DELETED, one that starts
  matching ADDED (what the watch cache does);
- the stream ends after `timeoutSeconds` (default 30 min), with a BOOKMARK first when
  `allowWatchBookmarks=true`, or when `stopping` is set (server shutdown).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from reconciler.sandbox.kube.cluster import Cluster
from reconciler.sandbox.kube.errors import ApiError, bad_request, expired
from reconciler.sandbox.kube.reads import make_filter
from reconciler.sandbox.kube.registry import ResourceType
from reconciler.sandbox.kube.store import Entry, Store

Render = Callable[[Entry], Any]

_DEFAULT_TIMEOUT = 1800.0
_POLL = 0.5  # how often an idle stream checks for shutdown


def _line(event_type: str, obj: Any) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


def error_line(error: ApiError) -> bytes:
    """An ERROR event carrying `error`'s Status, as a watch that fails after it started reports it."""
    return _line("ERROR", error.body())


def events(
    cluster: Cluster,
    *,
    rt: ResourceType,
    namespace: str | None,
    query: Mapping[str, str],
    render: Render,
    stopping: threading.Event,
) -> Iterator[bytes]:
    flt = make_filter(rt, query=query)
    try:
        timeout = float(query.get("timeoutSeconds") or _DEFAULT_TIMEOUT)
    except ValueError:
        raise bad_request(f"timeoutSeconds: Invalid value: {query.get('timeoutSeconds')!r}") from None
    rv_text = query.get("resourceVersion", "")
    store = cluster.store

    def in_scope(entry: Entry | None) -> bool:
        return (
            entry is not None and (namespace is None or entry.namespace == namespace) and flt.matches(entry)
        )

    with store.lock:
        if rv_text in ("", "0"):
            last = store.current_rv
            initial = store.entries(rt.key, namespace=namespace, where=flt.matches)
        else:
            try:
                last = int(rv_text)
            except ValueError:
                raise bad_request(
                    f'resourceVersion: Invalid value: "{rv_text}": must be an integer'
                ) from None
            initial = []
            oldest = store.oldest_watchable_rv()
            if last < oldest:
                gone = expired(f"too old resource version: {last} ({oldest + 1})")
                return iter([_line("ERROR", gone.body())])
    return _stream(
        store,
        rt=rt,
        initial=initial,
        last=last,
        timeout=timeout,
        in_scope=in_scope,
        render=render,
        stopping=stopping,
        bookmarks=query.get("allowWatchBookmarks") == "true",
    )


def _stream(
    store: Store,
    *,
    rt: ResourceType,
    initial: list[Entry],
    last: int,
    timeout: float,
    in_scope: Callable[[Entry | None], bool],
    render: Render,
    stopping: threading.Event,
    bookmarks: bool,
) -> Iterator[bytes]:
    for entry in initial:
        yield _line("ADDED", render(entry))
    deadline = time.monotonic() + timeout
    while not stopping.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        for change in store.wait_for_changes(last, timeout=min(remaining, _POLL)):
            last = change.rv
            if change.store_key != rt.key:
                continue
            now_in = change.type != "DELETED" and in_scope(change.entry)
            was_in = in_scope(change.prev) if change.prev is not None else False
            if change.type == "DELETED":
                if was_in or in_scope(change.entry):
                    yield _line("DELETED", render(change.entry))
            elif now_in and not was_in:
                yield _line("ADDED", render(change.entry))
            elif now_in:
                yield _line("MODIFIED", render(change.entry))
            elif was_in:
                yield _line("DELETED", render(change.entry))
    if bookmarks and not stopping.is_set():
        yield _line(
            "BOOKMARK",
            {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": {"resourceVersion": str(last)}},
        )
