"""Optional persistence of the emulated cluster to a state directory.

Contract: `load(cluster, state_dir)` restores objects and the resourceVersion counter saved by `save`
(CRDs first, so their kinds are served again); `save` writes `state_dir/kube-state.json` atomically;
`Saver` flushes in the background at most every `interval` seconds while there are unsaved writes, and
once more on `stop()`. A missing file means a fresh cluster; an unreadable one is reported, not fatal.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

from reconciler.sandbox.kube.cluster import Cluster
from reconciler.sandbox.kube.registry import CRD, types_from_crd
from reconciler.sandbox.kube.store import Entry

STATE_FILE = "kube-state.json"


def save(cluster: Cluster, *, state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    tmp = state_dir / (STATE_FILE + ".tmp")
    tmp.write_bytes(cluster.store.dump())
    tmp.replace(state_dir / STATE_FILE)


def load(cluster: Cluster, *, state_dir: Path) -> None:
    path = state_dir / STATE_FILE
    if not path.exists():
        return
    try:
        state = json.loads(path.read_text())
        records = [(str(r["group"]), str(r["plural"]), dict(r["object"])) for r in state["objects"]]
        rv = int(state["resourceVersion"])
    except (ValueError, KeyError, TypeError) as exc:
        print(f"kube sandbox: ignoring unreadable state {path}: {exc}", file=sys.stderr)
        return
    store = cluster.store
    with store.lock:
        for group, plural, obj in sorted(records, key=lambda r: (r[0], r[1]) != CRD.key):
            if (group, plural) == CRD.key:
                cluster.registry.set_crd(str(obj["metadata"]["name"]), types=types_from_crd(obj))
            rt = cluster.type_for_key((group, plural))
            fields = rt.selectable_fields if rt else ()
            store.put((group, plural), entry=Entry.of(obj, selectable_fields=fields), change_type="ADDED")
        store.set_rv(rv)
        store.dirty = False


class Saver:
    def __init__(self, cluster: Cluster, state_dir: Path, *, interval: float = 2.0) -> None:
        self._cluster, self._dir, self._interval = cluster, state_dir, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kube-sandbox-saver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            if self._cluster.store.dirty:
                save(self._cluster, state_dir=self._dir)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        save(self._cluster, state_dir=self._dir)
