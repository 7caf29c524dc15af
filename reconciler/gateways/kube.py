"""Kubernetes gateway over the official client: the verbs the reconciler uses, typed errors.

Contract:
- `connect(settings)` builds an ApiClient: `--kubeconfig`/`--context` when given, else the
  in-cluster service account when running in a pod, else the usual kubeconfig lookup. Unusable
  configuration raises `KubeConfigError` (a usage/configuration problem, exit code 2).
- `KubeGateway` methods each perform one verb on one resource and count it in `calls` under
  ("kube", "VERB resource"): hyperparametertuningjobs list/get/patch, hyperparametertuningjobs/status
  patch, trainingjobs list/get/create/patch (labels of a child written by an earlier version)/delete,
  trainingjobs/status patch, events create, namespaces get, leases get/create/update.
- The HyperparameterTuningJob list pages with `limit`/`continue`. A continue token the server has
  expired (410, etcd compacted its revision) is followed by the token kube-apiserver returns with
  the 410 (a continuation at the latest revision: objects changed meanwhile may show up; the pass is
  level-triggered, so that is harmless), skipping objects already yielded; without such a token the
  list starts over, and it may start over again as long as each attempt yielded something new
  (_RETRIES attempts in a row that yield nothing end it). The TrainingJob children of one tuning
  job are one unpaged list: they are bounded by the job's MaxNumberOfTrainingJobs, and an unpaged
  list holds no continue token that could expire while the pass works through thousands of parents. Every
  single-object verb goes through one call path (`_object`: method table, timeout, merge patches,
  retries, counting, error mapping), as `gateways.sagemaker` has `_call`.
- Every write (create, replace, patch, event) names `FIELD_MANAGER` ("hpo-reconciler") as its
  field manager, so `metadata.managedFields` says which fields the reconciler owns; `connect` also
  sends it as the User-Agent.
- Objects are plain dicts as the API serves them. Patches are JSON merge patches; the finalizer
  patch carries `metadata.resourceVersion`, so a concurrent change answers 409 (`ConflictError`).
- Errors (all `KubeError`, each also a `gateways.errors.RetryableError` or `FatalError`):
  retryable `ConflictError` (409), `ExpiredError` (410: a list's continue token expired) and
  `TransientError` (429, 5xx, timeouts, connection trouble; reads, status patches and deletes are
  retried a few times first; creates (children, events, leases), lease updates and the optimistic
  metadata patches (finalizers, child labels) are not); fatal `NotFoundError` (404),
  `InvalidError` (400/422: the object was refused), `ForbiddenError` (401/403), `UnexpectedError`
  (anything else). `KubeConfigError` (no usable configuration) is not a call error.
- `create_event(..., dedupe_key=)` names the event after the key, so a repeat is a quiet no-op.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from reconciler import __version__
from reconciler.core.calls import CallCounter
from reconciler.core.model import GROUP, TUNING_JOB_PLURAL, VERSION
from reconciler.core.settings import Settings
from reconciler.gateways.errors import FatalError, GatewayError, RetryableError

SERVICE = "kube"
TRAINING_JOB_PLURAL = "trainingjobs"
_MERGE_PATCH = "application/merge-patch+json"
_LEASE_GROUP = "coordination.k8s.io"
_LEASE_VERSION = "v1"
_RETRIES = 3
_RETRY_DELAY_SECONDS = 0.2
_REQUEST_TIMEOUT = (5.0, 30.0)
_SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Kind:
    """Where a kind of object lives in the API: group, version, plural."""

    group: str
    version: str
    plural: str


_TUNING_JOBS = _Kind(GROUP, VERSION, TUNING_JOB_PLURAL)
_TRAINING_JOBS = _Kind(GROUP, VERSION, TRAINING_JOB_PLURAL)
_LEASES = _Kind(_LEASE_GROUP, _LEASE_VERSION, "leases")

# (verb, subresource) -> the CustomObjectsApi method performing it. Leases go through the generic
# object API too, so that the MicroTime strings we send reach the server unchanged (the typed V1Lease
# model re-serializes them, dropping zero microseconds).
_METHODS = {
    ("GET", ""): "get_namespaced_custom_object",
    ("CREATE", ""): "create_namespaced_custom_object",
    ("UPDATE", ""): "replace_namespaced_custom_object",
    ("PATCH", ""): "patch_namespaced_custom_object",
    ("PATCH", "status"): "patch_namespaced_custom_object_status",
    ("DELETE", ""): "delete_namespaced_custom_object",
}
# Retried when transient: repeating them cannot do harm. Not retried: creates (a repeat after a lost
# answer would be a 409), replaces and metadata patches (they carry a resourceVersion: a repeat after
# a lost answer would be a 409 too, and these callers handle 409 themselves).
_RETRIED = frozenset({("GET", ""), ("PATCH", "status"), ("DELETE", "")})
# The name every write is recorded under in the objects' metadata.managedFields (and the User-Agent
# the API server's audit log shows). Without it the server names the manager after the client's
# User-Agent, "OpenAPI-Generator", which says nothing about who wrote a field.
FIELD_MANAGER = "hpo-reconciler"
_WRITE_VERBS = frozenset({"CREATE", "UPDATE", "PATCH"})


class KubeError(GatewayError):
    """A Kubernetes API call failed; `status` is the HTTP status (0 when no answer came)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class ExpiredError(KubeError, RetryableError):
    """410: a list's continue token is too old; `continue_token` is the inconsistent continuation
    kube-apiserver offers in the Status's metadata (None when there is none)."""

    def __init__(self, message: str, *, status: int = 410, continue_token: str | None = None) -> None:
        super().__init__(message, status=status)
        self.continue_token = continue_token


class NotFoundError(KubeError, FatalError):
    """404: the object (or its namespace) does not exist."""


class ConflictError(KubeError, RetryableError):
    """409: the object changed since it was read, or a create found the name taken."""


class TransientError(KubeError, RetryableError):
    """429, 5xx, timeouts, connection trouble."""


class InvalidError(KubeError, FatalError):
    """400/422: the API server refused the object."""


class ForbiddenError(KubeError, FatalError):
    """401/403: this process may not do that."""


class UnexpectedError(KubeError, FatalError):
    """Any other status, or a response of an unexpected shape."""


class KubeConfigError(Exception):
    """No usable cluster configuration (missing kubeconfig, unknown context, ...)."""


def map_error(exc: Exception, *, what: str) -> KubeError:
    if isinstance(exc, ApiException):
        status = int(exc.status or 0)
        message = _api_message(exc)
        text = f"{what}: {status} {message}"
        if status == 404:
            return NotFoundError(text, status=status)
        if status == 409:
            return ConflictError(text, status=status)
        if status in (400, 422):
            return InvalidError(text, status=status)
        if status in (401, 403):
            return ForbiddenError(text, status=status)
        if status == 410:
            return ExpiredError(text, status=status, continue_token=_status_continue(exc))
        if status == 429 or status >= 500 or status == 0:
            return TransientError(text, status=status)
        return UnexpectedError(text, status=status)
    if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
        return TransientError(f"{what}: {type(exc).__name__}: {exc}")
    if isinstance(exc, KubeError):  # raised by this module (an unexpected response shape)
        return exc
    return UnexpectedError(f"{what}: {type(exc).__name__}: {exc}")


def _status_continue(exc: ApiException) -> str | None:
    """The `metadata.continue` of the Status a 410 answered with, if any."""
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return None
    metadata = body.get("metadata") if isinstance(body, dict) else None
    token = metadata.get("continue") if isinstance(metadata, dict) else None
    return token if isinstance(token, str) and token else None


def _api_message(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or "")
        return str(body.get("message") or exc.reason)
    except (ValueError, AttributeError):
        return str(exc.reason or "")


def connect(settings: Settings) -> k8s.ApiClient:
    """An ApiClient for the cluster the settings point at."""
    configuration = k8s.Configuration()
    try:
        if not settings.kubeconfig and not settings.context and os.environ.get("KUBERNETES_SERVICE_HOST"):
            k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        else:
            k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=_kubeconfig_path(settings),
                context=settings.context,
                client_configuration=configuration,
                persist_config=False,
            )
    except (ConfigException, OSError, TypeError, ValueError) as exc:
        where = settings.kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
        raise KubeConfigError(f"cannot load Kubernetes configuration ({where}): {exc}") from None
    # One connection per worker thread, plus the pass's own list/lease calls.
    configuration.connection_pool_maxsize = settings.concurrency + 4
    client = k8s.ApiClient(configuration)
    client.user_agent = f"{FIELD_MANAGER}/{__version__}"
    return client


def _kubeconfig_path(settings: Settings) -> str | None:
    """Read KUBECONFIG now: the client library reads it once, at import, which is too early for
    processes (and tests) that set it later."""
    return settings.kubeconfig or os.environ.get("KUBECONFIG") or None


def pod_namespace(settings: Settings) -> str:
    """The namespace this process runs in (service account file, POD_NAMESPACE, kubeconfig context)."""
    try:
        return _SERVICE_ACCOUNT_NAMESPACE.read_text().strip()
    except OSError:
        pass
    if os.environ.get("POD_NAMESPACE"):
        return os.environ["POD_NAMESPACE"]
    try:
        contexts, active = k8s_config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
            config_file=_kubeconfig_path(settings)
        )
        if settings.context:
            active = next((c for c in contexts if c["name"] == settings.context), active)
        return str(active.get("context", {}).get("namespace") or "default")
    except (ConfigException, OSError, TypeError, ValueError):
        return "default"


class KubeGateway:
    """The Kubernetes verbs the reconciler uses; see the module docstring."""

    def __init__(self, api_client: k8s.ApiClient, *, calls: CallCounter) -> None:
        self._api = api_client
        self._custom = k8s.CustomObjectsApi(api_client)
        self._calls = calls

    def _do(self, verb: str, resource: str, call: Callable[[], _T], *, retry: bool = True) -> _T:
        attempts = _RETRIES if retry else 1
        for attempt in range(1, attempts + 1):
            self._calls.add(SERVICE, f"{verb} {resource}")
            try:
                value = call()
            except Exception as exc:
                error = map_error(exc, what=f"{verb} {resource}")
                throttled = error.status == 429
                self._calls.add_result(SERVICE, f"{verb} {resource}", "throttled" if throttled else "error")
                if isinstance(error, TransientError) and attempt < attempts:
                    time.sleep(_RETRY_DELAY_SECONDS * attempt)
                    continue
                raise error from None
            self._calls.add_result(SERVICE, f"{verb} {resource}", "ok")
            return value
        raise AssertionError("unreachable")

    def _object(
        self,
        verb: str,
        kind: _Kind,
        namespace: str,
        name: str | None = None,
        *,
        body: Mapping[str, Any] | None = None,
        subresource: str = "",
    ) -> dict[str, Any]:
        """The one path of every single-object verb: the CustomObjectsApi method of `_METHODS`, the
        request timeout, merge patches, retries for the verbs of `_RETRIED`, counting, typed errors."""
        method = getattr(self._custom, _METHODS[verb, subresource])
        args: list[Any] = [kind.group, kind.version, namespace, kind.plural]
        if name is not None:
            args.append(name)
        if body is not None:
            args.append(dict(body))
        kwargs: dict[str, Any] = {"_request_timeout": _REQUEST_TIMEOUT}
        if verb == "PATCH":
            kwargs["_content_type"] = _MERGE_PATCH
        if verb in _WRITE_VERBS:
            kwargs["field_manager"] = FIELD_MANAGER

        def call() -> dict[str, Any]:
            answer = method(*args, **kwargs)
            # A DELETE answers with the deleted object or a Status; nobody reads either.
            return answer if verb == "DELETE" and not isinstance(answer, dict) else _as_dict(answer)

        resource = f"{kind.plural}/{subresource}" if subresource else kind.plural
        return self._do(verb, resource, call, retry=(verb, subresource) in _RETRIED)

    # -- HyperparameterTuningJob -----------------------------------------------------------------

    def list_tuning_jobs(
        self, *, namespace: str | None, selector: str | None, page_size: int
    ) -> Iterator[dict[str, Any]]:
        """Every HyperparameterTuningJob in `namespace` (None = all), page by page."""
        return self._list(TUNING_JOB_PLURAL, namespace=namespace, selector=selector, page_size=page_size)

    def get_tuning_job(self, namespace: str, name: str) -> dict[str, Any]:
        return self._object("GET", _TUNING_JOBS, namespace, name)

    def patch_tuning_job_status(self, namespace: str, name: str, patch: Mapping[str, Any]) -> dict[str, Any]:
        return self._object(
            "PATCH", _TUNING_JOBS, namespace, name, body={"status": dict(patch)}, subresource="status"
        )

    def set_finalizers(
        self,
        namespace: str,
        name: str,
        finalizers: list[str],
        *,
        resource_version: str | None,
        annotations: Mapping[str, str | None] | None = None,
    ) -> dict[str, Any]:
        """Replace metadata.finalizers (and merge `annotations` into the existing ones, None removing
        one, in the same write); 409 if the object changed since `resource_version`."""
        metadata: dict[str, Any] = {"finalizers": finalizers}
        if annotations:
            metadata["annotations"] = dict(annotations)
        if resource_version:
            metadata["resourceVersion"] = resource_version
        return self._object("PATCH", _TUNING_JOBS, namespace, name, body={"metadata": metadata})

    # -- TrainingJob children --------------------------------------------------------------------

    def list_training_jobs(self, namespace: str, *, selector: str) -> list[dict[str, Any]]:
        """The TrainingJobs matching `selector`, in one unpaged list (see the module contract)."""

        def call() -> dict[str, Any]:
            return _as_dict(
                self._custom.list_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    namespace,
                    TRAINING_JOB_PLURAL,
                    label_selector=selector,
                    _request_timeout=_REQUEST_TIMEOUT,
                )
            )

        return list(self._do("LIST", TRAINING_JOB_PLURAL, call).get("items") or [])

    def patch_training_job_metadata(
        self, namespace: str, name: str, metadata: Mapping[str, Any], *, resource_version: str | None
    ) -> dict[str, Any]:
        """Merge `metadata` (labels, annotations) into a child's; 409 if it changed since
        `resource_version`."""
        body = dict(metadata)
        if resource_version:
            body["resourceVersion"] = resource_version
        return self._object("PATCH", _TRAINING_JOBS, namespace, name, body={"metadata": body})

    def get_training_job(self, namespace: str, name: str) -> dict[str, Any]:
        return self._object("GET", _TRAINING_JOBS, namespace, name)

    def create_training_job(self, namespace: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._object("CREATE", _TRAINING_JOBS, namespace, body=body)

    def patch_training_job_status(
        self, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self._object(
            "PATCH", _TRAINING_JOBS, namespace, name, body={"status": dict(patch)}, subresource="status"
        )

    def delete_training_job(self, namespace: str, name: str) -> None:
        """Delete a child; already gone counts as done."""
        try:
            self._object("DELETE", _TRAINING_JOBS, namespace, name)
        except NotFoundError:
            return

    # -- Events, namespaces, leases --------------------------------------------------------------

    def create_event(
        self,
        involved: Mapping[str, Any],
        *,
        event_type: str,
        reason: str,
        message: str,
        now: str,
        component: str = "hpo-reconciler",
        dedupe_key: str | None = None,
    ) -> bool:
        """A core/v1 Event about `involved` (an object dict with apiVersion, kind, metadata); True
        when created.

        With `dedupe_key` the event's name is derived from it, so emitting the same key again is
        answered AlreadyExists by the API server and is a quiet no-op (False): a stateless process
        remembers what it already reported through the event itself.
        """
        metadata = involved.get("metadata", {})
        namespace = str(metadata.get("namespace", "default"))
        suffix = (
            hashlib.sha256(dedupe_key.encode()).hexdigest()[:16]
            if dedupe_key is not None
            else uuid.uuid4().hex[:16]
        )
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{metadata.get('name')}.{suffix}", "namespace": namespace},
            "involvedObject": {
                "apiVersion": involved.get("apiVersion"),
                "kind": involved.get("kind"),
                "name": metadata.get("name"),
                "namespace": namespace,
                "uid": metadata.get("uid"),
                "resourceVersion": metadata.get("resourceVersion"),
            },
            "type": event_type,
            "reason": reason,
            "message": message[:1024],
            "source": {"component": component},
            "reportingComponent": component,
            "reportingInstance": component,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        try:
            self._do(
                "CREATE",
                "events",
                lambda: self._core_call(
                    "POST", "/api/v1/namespaces/{namespace}/events", {"namespace": namespace}, body
                ),
                retry=False,
            )
        except ConflictError:
            if dedupe_key is None:
                raise
            return False
        return True

    def get_namespace(self, name: str) -> dict[str, Any]:
        return self._do(
            "GET", "namespaces", lambda: self._core_call("GET", "/api/v1/namespaces/{name}", {"name": name})
        )

    def _core_call(
        self, method: str, path: str, path_params: dict[str, str], body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A core/v1 request through the official client's ApiClient (serialization, auth, TLS,
        errors as ApiException). The two core calls the reconciler makes do not justify loading
        CoreV1Api, whose generated module costs most of a second of start-up in every run."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = self._api.param_serialize(
            method=method,
            resource_path=path,
            path_params=path_params,
            query_params=[("fieldManager", FIELD_MANAGER)] if method == "POST" else [],
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self._api.call_api(*request, _request_timeout=_REQUEST_TIMEOUT)
        response.read()  # type: ignore[no-untyped-call]
        result = self._api.response_deserialize(response, {"200": "object", "201": "object"}).data
        return _as_dict(result)

    def get_lease(self, namespace: str, name: str) -> dict[str, Any]:
        return self._object("GET", _LEASES, namespace, name)

    def create_lease(self, namespace: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._object("CREATE", _LEASES, namespace, body=body)

    def update_lease(self, namespace: str, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the lease; the body's metadata.resourceVersion makes a lost race a 409."""
        return self._object("UPDATE", _LEASES, namespace, name, body=body)

    # -- paging ----------------------------------------------------------------------------------

    def _list(
        self, plural: str, *, namespace: str | None, selector: str | None, page_size: int
    ) -> Iterator[dict[str, Any]]:
        token: str | None = None
        # A continue token expires (410) when the pass outlives the server's compaction window
        # (about 5 minutes on kube-apiserver; a pass over 10,000 active resources takes longer).
        # Then the list continues with the server's inconsistent token, or else starts over as
        # client-go's pager does; the objects already yielded (by uid) are skipped either way.
        seen: set[str] = set()
        fruitless = 0  # restarts in a row after which nothing new was yielded
        while True:
            kwargs: dict[str, Any] = {"limit": page_size, "_request_timeout": _REQUEST_TIMEOUT}
            if selector:
                kwargs["label_selector"] = selector
            if token:
                kwargs["_continue"] = token

            def page(kwargs: dict[str, Any] = kwargs) -> dict[str, Any]:
                if namespace is None:
                    return _as_dict(self._custom.list_cluster_custom_object(GROUP, VERSION, plural, **kwargs))
                return _as_dict(
                    self._custom.list_namespaced_custom_object(GROUP, VERSION, namespace, plural, **kwargs)
                )

            try:
                body = self._do("LIST", plural, page)
            except ExpiredError as exc:
                if not token:
                    raise
                if exc.continue_token:
                    token = exc.continue_token
                    continue
                if fruitless >= _RETRIES:
                    raise
                fruitless += 1
                token = None
                continue
            for item in body.get("items") or []:
                uid = str((item.get("metadata") or {}).get("uid", ""))
                if uid in seen:
                    continue
                seen.add(uid)
                fruitless = 0
                yield item
            token = (body.get("metadata") or {}).get("continue") or None
            if not token:
                return


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise UnexpectedError(f"unexpected response type {type(value).__name__}")
