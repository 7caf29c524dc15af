"""One pass over every selected HyperparameterTuningJob (`hpo-reconciler run`).

Contract:
- `run_pass(settings, out=..., ...)` connects (kubeconfig or in-cluster; boto3's default chain),
  takes the Lease unless `--no-lease`/`--dry-run`, lists the resources page by page across the
  selected namespaces and label selector, keeps this shard's (stable hash of the UID modulo N),
  reconciles them on a bounded thread pool, prints one line per resource that was acted on (every
  resource with `--dry-run`: its plan) and, last, the summary line: resources by outcome, API calls
  by service and verb, duration. It returns a `PassReport`; it never calls sys.exit.
- `PassError` means the pass could not complete (cannot list, no credentials); configuration
  problems raise `kube.KubeConfigError`. The CLI maps both to exit codes.
- Stopping early (`stop`, a `StopRequest` the CLI wires to SIGTERM/SIGINT, and which a failed Lease
  renewal also sets): no new resource is started and the list is read no further; resources queued
  but not started are dropped; those in flight get `settings.shutdown_grace_seconds` to finish and are
  then abandoned (left as a crash would leave them: every pass repairs that); the Lease is released
  and the summary printed as always. `PassReport.stopped` says why, with the counts.
- Fencing: a Lease renewal that fails (see `lease.HeldLease.renew`) means this run can no longer
  prove it is the only one working, so it stops starting new resources as above and says so.
- One resource's failure never stops the pass. This module never imports reconciler.sandbox.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3

from reconciler.core.calls import CallCounter
from reconciler.core.outcomes import PassReport, Result
from reconciler.core.settings import Settings, lease_name
from reconciler.engine.reconcile import Context, NamespacePolicies, reconcile, settled_result
from reconciler.engine.stopping import StopRequest
from reconciler.engine.summary import Reporter
from reconciler.gateways import kube, lease, sagemaker

log = logging.getLogger(__name__)
# How often a waiting pass looks at its StopRequest (a signal handler only sets the latch).
_POLL_SECONDS = 0.5


class PassError(Exception):
    """The pass could not do its job (listing failed, no credentials, ...)."""


def in_shard(uid: str, *, shard: tuple[int, int]) -> bool:
    """Stable across processes and Python versions (not `hash()`, which is salted)."""
    index, count = shard
    if count == 1:
        return True
    digest = hashlib.sha256(uid.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count == index


def run_pass(
    settings: Settings,
    *,
    out: Reporter,
    api_client: Any | None = None,
    session_factory: Callable[[], boto3.session.Session] = boto3.session.Session,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    observer: Callable[[Result], None] | None = None,
    stop: StopRequest | None = None,
) -> PassReport:
    stop = stop if stop is not None else StopRequest()
    started = time.monotonic()
    cpu_started = time.process_time()
    calls = CallCounter()
    report = PassReport(observer=observer)
    client = api_client if api_client is not None else kube.connect(settings)
    gateway = kube.KubeGateway(client, calls=calls)
    smgw = sagemaker.SageMakerGateway(settings=settings, calls=calls, session_factory=session_factory)
    held: lease.HeldLease | None = None
    stop_renewing = threading.Event()
    try:
        if not smgw.has_credentials():
            raise PassError(
                "no AWS credentials found (boto3 default chain: environment, IRSA, EKS Pod Identity, profile)"
            )
        if settings.use_lease and not settings.dry_run:
            acquired = _acquire_lease(gateway, settings, clock=clock)
            if isinstance(acquired, lease.Busy):
                report.skipped_by = acquired.holder or "another run"
                out.skipped(acquired)
                return report
            held = acquired
            _start_renewing(held, settings, stop=stop_renewing, fence=stop, clock=clock)
        ctx = Context(
            kube=gateway,
            sagemaker=smgw,
            settings=settings,
            namespaces=NamespacePolicies(gateway),
            clock=clock,
        )
        _reconcile_all(ctx, _selected(gateway, settings), settings, out=out, report=report, stop=stop)
    except PassError as exc:
        report.error = str(exc)
        out.error(str(exc))
    except sagemaker.CredentialsError as exc:
        report.error = f"AWS credentials or region unusable: {exc}"
        out.error(report.error)
    finally:
        stop_renewing.set()
        if stop.requested:
            report.stopped = stop.reason
            report.stopped_by_signal = stop.signum
        if held is not None:
            held.release()
        report.calls = calls.snapshot()
        report.requests = calls.results()
        report.duration_seconds = time.monotonic() - started
        report.cpu_seconds = time.process_time() - cpu_started
        out.summary(report)
    return report


def _reconcile_all(
    ctx: Context,
    selected: Iterator[dict[str, Any]],
    settings: Settings,
    *,
    out: Reporter,
    report: PassReport,
    stop: StopRequest,
) -> None:
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=settings.concurrency, thread_name_prefix="reconcile"
    )
    pending: set[concurrent.futures.Future[Result]] = set()
    abandoned = False
    try:
        for obj in selected:
            if stop.requested:
                break
            settled = settled_result(obj, dry_run=settings.dry_run)
            if settled is not None:
                report.add(settled)
                out.resource(settled)
                continue
            # Bounded backlog: list pages are consumed only as fast as resources are reconciled.
            while len(pending) >= settings.concurrency * 4 and not stop.requested:
                pending = _wait_some(pending, out=out, report=report)
            if stop.requested:
                break
            pending.add(pool.submit(reconcile, obj, ctx))
        abandoned = bool(_drain(pending, settings, out=out, report=report, stop=stop))
    finally:
        # Abandoned calls are not waited for (the CLI exits without joining their threads).
        pool.shutdown(wait=not abandoned, cancel_futures=stop.requested)


def _wait_some(
    pending: set[concurrent.futures.Future[Result]],
    *,
    out: Reporter,
    report: PassReport,
    timeout: float = _POLL_SECONDS,
) -> set[concurrent.futures.Future[Result]]:
    done, still = concurrent.futures.wait(
        pending, timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED
    )
    _collect(done, out=out, report=report)
    return still


def _drain(
    pending: set[concurrent.futures.Future[Result]],
    settings: Settings,
    *,
    out: Reporter,
    report: PassReport,
    stop: StopRequest,
) -> set[concurrent.futures.Future[Result]]:
    """Collect what is pending; once a stop is requested, drop what has not started and give what
    is in flight the grace period. Returns the futures abandoned at the deadline."""
    deadline: float | None = None
    while True:
        if stop.requested and deadline is None:
            not_started = {future for future in pending if future.cancel()}
            pending -= not_started
            report.not_started += len(not_started)
            deadline = time.monotonic() + settings.shutdown_grace_seconds
            log.warning(
                "%s: no new resource is started; waiting up to %ss for the %d in flight",
                stop.reason,
                settings.shutdown_grace_seconds,
                len(pending),
            )
        if not pending:
            break
        if deadline is None:
            pending = _wait_some(pending, out=out, report=report)
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        pending = _wait_some(pending, out=out, report=report, timeout=remaining)
    report.abandoned = len(pending)
    return pending


def _collect(done: set[concurrent.futures.Future[Result]], *, out: Reporter, report: PassReport) -> None:
    for future in done:
        result = future.result()  # CredentialsError propagates: the pass cannot go on
        report.add(result)
        out.resource(result)


def _selected(gateway: kube.KubeGateway, settings: Settings) -> Iterator[dict[str, Any]]:
    namespaces: list[str | None] = list(settings.namespaces) or [None]
    for namespace in namespaces:
        try:
            for obj in gateway.list_tuning_jobs(
                namespace=namespace, selector=settings.selector, page_size=settings.page_size
            ):
                uid = str((obj.get("metadata") or {}).get("uid", ""))
                if in_shard(uid, shard=settings.shard):
                    yield obj
        except kube.KubeError as exc:
            where = f"namespace {namespace}" if namespace else "all namespaces"
            raise PassError(f"cannot list HyperparameterTuningJobs in {where}: {exc}") from None


def _acquire_lease(
    gateway: kube.KubeGateway, settings: Settings, *, clock: Callable[[], dt.datetime]
) -> lease.HeldLease | lease.Busy:
    default_namespace = "" if settings.lease else kube.pod_namespace(settings)
    namespace, name = lease_name(settings, default_namespace=default_namespace)
    holder = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        return lease.acquire(
            gateway,
            namespace=namespace,
            name=name,
            holder=holder,
            duration_seconds=settings.lease_duration_seconds,
            now=clock(),
        )
    except kube.KubeError as exc:
        raise PassError(
            f"cannot take lease {namespace}/{name}: {exc} (use --no-lease to run without it)"
        ) from None


def _start_renewing(
    held: lease.HeldLease,
    settings: Settings,
    *,
    stop: threading.Event,
    fence: StopRequest,
    clock: Callable[[], dt.datetime],
) -> None:
    interval = settings.lease_duration_seconds / 3

    def renew() -> None:
        while not stop.wait(interval):
            if held.renew(clock()):
                continue
            reason = f"lease {held.namespace}/{held.name} could not be renewed ({held.failure})"
            log.warning(
                "%s: this run can no longer prove it is the only one working, so it starts no new "
                "resource (fencing); the rest wait for the next run",
                reason,
            )
            fence.request(reason)
            return

    threading.Thread(target=renew, name="lease-renewal", daemon=True).start()
