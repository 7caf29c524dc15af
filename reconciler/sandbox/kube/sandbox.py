"""`KubeSandbox`: the in-process handle on an emulated Kubernetes API server (see the package docstring).

Contract: the constructor configures, `start()` serves on 127.0.0.1 (port 0 = any free port) in daemon
threads and sets `url`, `stop()` ends watches, stops serving and saves state when `state_dir` is given.
It is a context manager (enter starts, exit stops). The other methods are the test controls of
the tests rely on: kubeconfig, CRD installation, request counters, faults and latency.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

import yaml

from reconciler.sandbox.kube import persistence
from reconciler.sandbox.kube.cluster import Cluster
from reconciler.sandbox.kube.errors import ApiError
from reconciler.sandbox.kube.faults import Faults
from reconciler.sandbox.kube.kubeconfig import write_kubeconfig
from reconciler.sandbox.kube.registry import CRD
from reconciler.sandbox.kube.server import ApiServer
from reconciler.sandbox.kube.writes import Writer
from reconciler.sandbox.serving import Serving

# libyaml's loader when available: the generated CRDs are large and tests install them often.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=32)
def _parsed(path: Path, mtime_ns: int) -> tuple[Any, ...]:
    return tuple(yaml.load_all(path.read_text(), Loader=_LOADER))


def _documents(path: Path) -> tuple[Any, ...]:
    """The YAML documents of `path`, parsed once per file version (tests install the CRDs many times)."""
    return _parsed(path, path.stat().st_mtime_ns)


INSTALLER = "kube-sandbox"  # the field manager of CRDs `install_crds` writes (managedFields name it)


class KubeSandbox(Serving):
    def __init__(self, *, state_dir: Path | None = None, port: int = 0) -> None:
        self.state_dir = state_dir
        self.port = port
        self.url = ""
        self.cluster = Cluster()
        self.faults = Faults()
        self._stopping = threading.Event()
        self._server: ApiServer | None = None
        self._thread: threading.Thread | None = None
        self._saver: persistence.Saver | None = None

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._server is not None:
            return
        if self.state_dir is not None:
            persistence.load(self.cluster, state_dir=self.state_dir)
        self.cluster.bootstrap()
        self._stopping.clear()
        self._server = ApiServer(
            ("127.0.0.1", self.port), cluster=self.cluster, faults=self.faults, stopping=self._stopping
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="kube-sandbox", daemon=True
        )
        self._thread.start()
        if self.state_dir is not None:
            self._saver = persistence.Saver(self.cluster, self.state_dir)
            self._saver.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self.cluster.store.wake_watchers()
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._saver is not None:
            self._saver.stop()
            self._saver = None
        self._server = None

    # -- clients ----------------------------------------------------------------------------------------
    def write_kubeconfig(self, path: Path) -> None:
        if not self.url:
            raise RuntimeError("start the sandbox before writing its kubeconfig")
        write_kubeconfig(self.url, path=path)

    def install_crds(self, crd_dir: Path) -> None:
        """Create or replace every CustomResourceDefinition in `crd_dir`'s YAML/JSON files."""
        writer = Writer(self.cluster)
        files = sorted(p for p in Path(crd_dir).iterdir() if p.suffix in (".yaml", ".yml", ".json"))
        for path in files:
            for doc in _documents(path):
                if not isinstance(doc, dict) or doc.get("kind") != CRD.kind:
                    continue
                self._apply_crd(writer, copy.deepcopy(doc), source=path)

    def _apply_crd(self, writer: Writer, doc: dict[str, Any], *, source: Path) -> None:
        name = str((doc.get("metadata") or {}).get("name", ""))
        try:
            current = self.cluster.store.get(CRD.key, namespace="", name=name)
            if current is None:
                writer.create(
                    CRD, namespace=None, obj=doc, dry_run=False, validation="Strict", manager=INSTALLER
                )
            else:
                doc.setdefault("metadata", {})["resourceVersion"] = str(current.rv)
                writer.update(
                    CRD,
                    namespace=None,
                    name=name,
                    obj=doc,
                    subresource=None,
                    dry_run=False,
                    validation="Strict",
                    manager=INSTALLER,
                )
        except ApiError as error:
            raise ValueError(f"{source}: {error.message}") from None

    # -- controls ---------------------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        return self.faults.stats()

    def reset_stats(self) -> None:
        self.faults.reset_stats()

    def inject_fault(
        self,
        *,
        verb: str,
        resource: str,
        name: str | None = None,
        status: int = 500,
        times: int = 1,
        when: Literal["before", "after"] = "before",
    ) -> None:
        self.faults.inject(verb=verb, resource=resource, name=name, status=status, times=times, when=when)

    def set_fault_rate(self, *, rate: float, status: int = 500, verbs: Collection[str] | None = None) -> None:
        self.faults.set_rate(rate=rate, status=status, verbs=verbs)

    def set_latency(self, seconds: float) -> None:
        self.faults.set_latency(seconds)
