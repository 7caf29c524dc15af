"""The HTTP front end: parses requests, dispatches them, writes JSON, Status errors and watch streams.

Contract: `ApiServer(address, cluster=, faults=, stopping=)` is a ThreadingHTTPServer speaking HTTP/1.1
(keep-alive, chunked watch streams). Every API request is counted (`Faults.count`), delayed by the
configured latency and subjected to scripted / random faults before (or, for `when="after"`, after) it
is applied. Request bodies over 3 MiB get 413 RequestEntityTooLarge; unknown paths get 404; methods a
path does not support get 405 MethodNotAllowed; every failure has a `Status` body. Unexpected exceptions
become a 500 InternalError Status (never a dropped connection). `/sandbox/` carries the test controls
documented in the package docstring.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reconciler.sandbox.kube import admission, discovery, negotiation, reads, ssa, tables, watch
from reconciler.sandbox.kube.cluster import Cluster
from reconciler.sandbox.kube.errors import (
    ApiError,
    from_code,
    method_not_allowed,
    resource_not_found,
    too_large,
)
from reconciler.sandbox.kube.faults import Faults
from reconciler.sandbox.kube.routing import DiscoveryRoute, ResourceRoute, resolve
from reconciler.sandbox.kube.store import Entry
from reconciler.sandbox.kube.writes import Writer, WriteResult

MAX_BODY_BYTES = 3 * 1024 * 1024


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], *, cluster: Cluster, faults: Faults, stopping: threading.Event
    ) -> None:
        super().__init__(address, Handler)
        self.cluster = cluster
        self.faults = faults
        self.stopping = stopping
        self.writer = Writer(cluster)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """End kept-alive connections too, so that no request reaches a stopped sandbox."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _verb(method: str) -> Callable[[Handler], None]:
    """The `do_<METHOD>` BaseHTTPRequestHandler dispatches to; every verb goes through `_handle`."""

    def handle(self: Handler) -> None:
        self._handle(method)

    return handle


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Idle kept-alive connections and stalled request bodies are dropped after this many seconds, so a
    # client that announces more bytes than it sends cannot hold a thread for ever.
    timeout = 120
    server: ApiServer
    _headers_buffer: list[bytes]  # BaseHTTPRequestHandler's pending header lines (undeclared in typeshed)

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm meets the
        # client's delayed ACK and every response waits ~40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.request, open_=True)

    def finish(self) -> None:
        self.server.track(self.request, open_=False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and `sandbox up` should not drown in access logs."""

    do_GET = _verb("GET")
    do_POST = _verb("POST")
    do_PUT = _verb("PUT")
    do_PATCH = _verb("PATCH")
    do_DELETE = _verb("DELETE")
    do_HEAD = _verb("HEAD")
    do_OPTIONS = _verb("OPTIONS")

    # -- plumbing ---------------------------------------------------------------------------------------
    def _send(
        self,
        code: int,
        body: bytes,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        for warning in warnings or ():  # one Warning header each, as the API server sends them
            self.send_header("Warning", warning)
        if self.close_connection:
            self.send_header("Connection", "close")
        # end_headers(), but the body goes out in the same write: a client that reads the response with
        # one recv() (as a raw-socket test does) must not see the headers without the body.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def _send_error(self, error: ApiError) -> None:
        self._send(error.code, _json(error.body()), headers=error.headers)

    def _read_body(self) -> bytes:
        try:
            return self._read_framed_body()
        except ValueError:  # a chunk size or Content-Length that is not a number
            self.close_connection = True
            raise ApiError(400, "BadRequest", "the request body is not framed correctly") from None

    def _read_framed_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                total += size
                if total > MAX_BODY_BYTES:
                    self.close_connection = True
                    raise too_large(MAX_BODY_BYTES)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            # Drain what the client is sending so that it reads the 413 instead of a broken pipe.
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
            raise too_large(MAX_BODY_BYTES)
        return self.rfile.read(length) if length else b""

    def _handle(self, method: str) -> None:
        try:
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            body = self._read_body()
            if url.path.startswith("/sandbox/"):
                self._sandbox(method, url.path, body)
            else:
                self._api(method, url.path, query, body)
        except ApiError as error:
            self._send_error(error)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug in the emulator: answer like the API server does, and say so
            print(f"kube sandbox: internal error on {method} {self.path}: {exc!r}", file=sys.stderr)
            self._send_error(ApiError(500, "InternalError", f"Internal error occurred: {exc}"))

    # -- non-resource paths -----------------------------------------------------------------------------
    def _api(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        cluster = self.server.cluster
        path = path.rstrip("/") or "/"
        static: dict[str, Any] = {
            "/version": discovery.version,
            "/api": lambda: discovery.core_versions(f"127.0.0.1:{self.server.server_port}"),
            "/apis": lambda: discovery.group_list(cluster.registry),
            "/openapi/v3": lambda: discovery.openapi_v3_root(cluster.registry),
        }
        if path in ("/healthz", "/livez", "/readyz"):
            self._send(200, b"ok", content_type="text/plain; charset=utf-8")
            return
        if path in static:
            if method != "GET":
                raise method_not_allowed()
            self._send(200, _json(static[path]()))
            return
        if path.startswith("/openapi/v3/"):
            doc = discovery.openapi_v3_group(cluster.registry, gv_path=path[len("/openapi/v3/") :])
            if doc is None:
                raise resource_not_found()
            self._send(200, _json(doc))
            return
        if path.startswith("/apis/") and path.count("/") == 2:
            group = discovery.group(cluster.registry, name=path.split("/")[2])
            if group is None:
                raise resource_not_found()
            self._send(200, _json(group))
            return
        route = resolve(cluster.registry, path=path)
        if route is None:
            self._send(404, b"404 page not found\n", content_type="text/plain; charset=utf-8")
            return
        if isinstance(route, DiscoveryRoute):
            doc = discovery.resource_list(
                cluster.registry, group_name=route.group, version_name=route.version
            )
            if doc is None:
                raise resource_not_found()
            self._send(200, _json(doc))
            return
        self._resource(method, route, query, body)

    # -- resources --------------------------------------------------------------------------------------
    def _verb(self, method: str, route: ResourceRoute, query: dict[str, str]) -> str:
        if route.watch or (method == "GET" and query.get("watch") in ("true", "1")):
            if method != "GET":
                raise method_not_allowed()
            return "WATCH"
        if method == "GET":
            return "GET" if route.name else "LIST"
        if method == "POST" and route.name is None and route.subresource is None:
            return "CREATE"
        if method in ("PUT", "PATCH") and route.name:
            return "UPDATE" if method == "PUT" else "PATCH"
        if method == "DELETE" and route.subresource is None:
            return "DELETE"
        raise method_not_allowed()

    def _resource(self, method: str, route: ResourceRoute, query: dict[str, str], body: bytes) -> None:
        verb = self._verb(method, route, query)
        resource = route.rt.plural + (f"/{route.subresource}" if route.subresource else "")
        faults = self.server.faults
        faults.count(verb, resource=resource)
        if faults.latency:
            time.sleep(faults.latency)
        fault = faults.take(verb, resource=resource, name=route.name)
        if fault is not None and fault.when == "before":
            raise from_code(fault.status)
        accept = self.headers.get("Accept", "")
        negotiation.check_acceptable(accept)
        as_table = negotiation.wants_table(accept)
        if verb == "WATCH":
            # A fault "after" the watch started: the stream opens, then carries one ERROR event and ends.
            self._watch(route, query, as_table=as_table, fail_with=from_code(fault.status) if fault else None)
            return
        code, payload, warnings = self._apply(verb, route, query, body, as_table=as_table)
        if fault is not None:
            raise from_code(fault.status)
        quoted = [w.replace("\\", "\\\\").replace('"', '\\"') for w in warnings]
        self._send(code, payload, warnings=[f'299 - "{w}"' for w in quoted])

    def _render(
        self,
        route: ResourceRoute,
        entries: list[dict[str, Any]],
        query: dict[str, str],
        *,
        as_table: bool,
        list_meta: dict[str, Any] | None = None,
    ) -> bytes:
        table = tables.to_table(
            route.rt,
            objects=entries,
            now=self.server.cluster.clock(),
            include_object=query.get("includeObject", "Metadata"),
            list_meta=list_meta,
        )
        return _json(table)

    def _apply(
        self, verb: str, route: ResourceRoute, query: dict[str, str], body: bytes, *, as_table: bool
    ) -> tuple[int, bytes, list[str]]:
        cluster, writer, rt = self.server.cluster, self.server.writer, route.rt
        if verb == "GET":
            entry = reads.get(cluster, rt=rt, namespace=route.namespace, name=str(route.name))
            if as_table:
                return (
                    200,
                    self._render(
                        route,
                        [entry.obj()],
                        query,
                        as_table=True,
                        list_meta={"resourceVersion": str(entry.rv)},
                    ),
                    [],
                )
            return 200, entry.raw, []
        if verb == "LIST":
            page = reads.list_page(cluster, rt=rt, namespace=route.namespace, query=query)
            if as_table:
                return (
                    200,
                    self._render(
                        route,
                        [e.obj() for e in page.entries],
                        query,
                        as_table=True,
                        list_meta=reads.list_meta(page),
                    ),
                    [],
                )
            return 200, reads.list_body(rt, page=page), []
        content_type = negotiation.media_type(self.headers.get("Content-Type", "application/json"))
        dry_run = negotiation.dry_run(query)
        manager = ssa.manager_from(query, user_agent=self.headers.get("User-Agent", ""))
        result: WriteResult
        if verb == "DELETE":
            try:
                options = json.loads(body) if body.strip() else {}
            except (ValueError, UnicodeDecodeError):
                options = None
            if not isinstance(options, dict):
                raise ApiError(400, "BadRequest", "the body of a DELETE must be DeleteOptions")
            # DeleteOptions may also come as query parameters (the Python client sends them that way).
            for key in ("propagationPolicy", "gracePeriodSeconds"):
                if key in query:
                    options.setdefault(key, query[key])
            if "orphanDependents" in query:
                options.setdefault("orphanDependents", query["orphanDependents"] == "true")
            if route.name is None:
                return self._delete_collection(route, query, options, dry_run=dry_run)
            result = writer.delete(
                rt, namespace=route.namespace, name=route.name, options=options, dry_run=dry_run
            )
        elif verb == "CREATE":
            if rt.namespaced and route.namespace is None:
                raise method_not_allowed()
            obj = admission.decode_body(body, content_type=content_type, rt=rt)
            ssa.check_options(query, apply=False)
            result = writer.create(
                rt,
                namespace=route.namespace,
                obj=obj,
                dry_run=dry_run,
                validation=negotiation.field_validation(query),
                manager=manager,
            )
        elif verb == "UPDATE":
            obj = admission.decode_body(body, content_type=content_type, rt=rt)
            ssa.check_options(query, apply=False)
            result = writer.update(
                rt,
                namespace=route.namespace,
                name=str(route.name),
                obj=obj,
                subresource=route.subresource,
                dry_run=dry_run,
                validation=negotiation.field_validation(query),
                manager=manager,
            )
        elif content_type == ssa.APPLY:
            ssa.check_options(query, apply=True)
            result = writer.server_side_apply(
                rt,
                namespace=route.namespace,
                name=str(route.name),
                body=body,
                manager=manager,
                force=query.get("force") == "true",
                subresource=route.subresource,
                dry_run=dry_run,
                validation=negotiation.field_validation(query),
            )
        else:
            ssa.check_options(query, apply=False)
            result = writer.patch(
                rt,
                namespace=route.namespace,
                name=str(route.name),
                patch=body,
                content_type=content_type,
                subresource=route.subresource,
                dry_run=dry_run,
                validation=negotiation.field_validation(query),
                manager=manager,
            )
        return result.code, _json(result.obj), result.warnings

    def _delete_collection(
        self, route: ResourceRoute, query: dict[str, str], options: dict[str, Any], *, dry_run: bool
    ) -> tuple[int, bytes, list[str]]:
        page = reads.list_page(
            self.server.cluster,
            rt=route.rt,
            namespace=route.namespace,
            query={k: v for k, v in query.items() if k in ("labelSelector", "fieldSelector")},
        )
        deleted = []
        for entry in page.entries:
            try:
                deleted.append(
                    self.server.writer.delete(
                        route.rt,
                        namespace=entry.namespace or None,
                        name=entry.name,
                        options=options,
                        dry_run=dry_run,
                    ).obj
                )
            except ApiError as error:
                if error.code != 404:
                    raise
        body = {
            "kind": f"{route.rt.kind}List",
            "apiVersion": route.rt.api_version,
            "metadata": {"resourceVersion": str(self.server.cluster.store.current_rv)},
            "items": deleted,
        }
        return 200, _json(body), []

    def _watch(
        self, route: ResourceRoute, query: dict[str, str], *, as_table: bool, fail_with: ApiError | None
    ) -> None:
        rt, cluster = route.rt, self.server.cluster
        include = query.get("includeObject", "Metadata")

        def render(entry: Entry) -> Any:
            obj = entry.obj()
            if as_table:
                return tables.to_table(
                    rt,
                    objects=[obj],
                    now=cluster.clock(),
                    include_object=include,
                    list_meta={"resourceVersion": str(entry.rv)},
                )
            return obj

        if route.name is not None:
            query = {
                **query,
                "fieldSelector": ",".join(
                    s for s in (query.get("fieldSelector", ""), f"metadata.name={route.name}") if s
                ),
            }
        stream = watch.events(
            cluster,
            rt=rt,
            namespace=route.namespace,
            query=query,
            render=render,
            stopping=self.server.stopping,
        )
        if fail_with is not None:
            stream = iter([watch.error_line(fail_with)])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        try:
            for line in stream:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- /sandbox/ controls -----------------------------------------------------------------------------
    def _sandbox(self, method: str, path: str, body: bytes) -> None:
        faults = self.server.faults
        try:
            if path == "/sandbox/stats" and method == "GET":
                self._send(200, _json({"requests": faults.stats()}))
                return
            if path == "/sandbox/reset" and method == "POST":
                faults.reset_stats()
                faults.clear()
                self._send(200, _json({"reset": True}))
                return
            if path == "/sandbox/faults" and method == "DELETE":
                faults.clear()
                self._send(200, _json({"cleared": True}))
                return
            if path == "/sandbox/faults" and method == "POST":
                spec = json.loads(body or b"{}")
                if not isinstance(spec, dict):
                    raise ValueError("the body must be a JSON object")
                apply_fault_spec(faults, spec=spec)
                self._send(200, _json({"accepted": spec}))
                return
        except (ValueError, TypeError, KeyError) as exc:
            self._send(400, _json({"error": str(exc) or type(exc).__name__}))
            return
        self._send(
            404,
            _json(
                {
                    "error": f"no sandbox control {method} {path}; see GET /sandbox/stats, "
                    "POST /sandbox/faults, DELETE /sandbox/faults, POST /sandbox/reset"
                }
            ),
        )


def apply_fault_spec(faults: Faults, *, spec: dict[str, Any]) -> None:
    """One POST /sandbox/faults body: a scripted fault, a fault rate and/or a latency."""
    known = {"verb", "resource", "name", "status", "times", "when", "rate", "verbs", "latency"}
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f"unknown fault fields {sorted(unknown)}; known: {sorted(known)}")
    if "latency" in spec:
        faults.set_latency(float(spec["latency"]))
    if "rate" in spec:
        verbs = spec.get("verbs")
        faults.set_rate(
            rate=float(spec["rate"]),
            status=int(spec.get("status", 500)),
            verbs=[str(v) for v in verbs] if verbs else None,
        )
    if "verb" in spec or "resource" in spec:
        faults.inject(
            verb=str(spec["verb"]),
            resource=str(spec["resource"]),
            name=str(spec["name"]) if spec.get("name") else None,
            status=int(spec.get("status", 500)),
            times=int(spec.get("times", 1)),
            when=str(spec.get("when", "before")),
        )
