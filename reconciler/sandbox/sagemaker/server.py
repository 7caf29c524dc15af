"""The HTTP face of the simulator: AWS JSON 1.1 on POST /, and the `/sandbox/` test mirror.

Contract: a POST carrying `X-Amz-Target: SageMaker.<Op>` or `Logs_20140328.<Op>` and a JSON body
is answered 200 with the JSON result, or with AWS's JSON error shape: HTTP status of the error,
body `{"__type": <code>, "message": <text>}` and header `x-amzn-ErrorType: <code>`, which
botocore turns into `ClientError` with that code and message. A body that is not a JSON object is
a SerializationException. The region comes from the SigV4 credential scope (default us-east-2);
signatures are not checked, so any credentials work. HTTP/1.1 keep-alive is on. Anything going
wrong inside the simulator is a 500 InternalFailure with a one-line message, never an HTML page.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reconciler.sandbox.sagemaker import errors, mirror
from reconciler.sandbox.sagemaker.simulator import Simulator

DEFAULT_REGION = "us-east-2"
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/")


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, simulator: Simulator, *, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.simulator = simulator
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start_background(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="sagemaker-sandbox", daemon=True
        )
        self._thread.start()

    def stop_background(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY the second waits ~40 ms for
    # the client's delayed ACK on every keep-alive request.
    disable_nagle_algorithm = True
    server: SimulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log would drown test output; /sandbox/stats has the counts

    def do_GET(self) -> None:
        if self.path.startswith(mirror.PREFIX):
            self._send_json(*mirror.handle(self.server.simulator, method="GET", path=self.path, body=b""))
            return
        self._send_error(errors.ApiError("UnknownOperationException", "", status=404))

    def _refuse_method(self) -> None:
        # AWS JSON services take POST only; answer any other verb in JSON, never the default HTML page.
        self._send_error(
            errors.ApiError("UnknownOperationException", f"{self.command} is not supported.", status=405)
        )

    do_PUT = do_DELETE = do_PATCH = _refuse_method

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith(mirror.PREFIX):
            self._send_json(*mirror.handle(self.server.simulator, method="POST", path=self.path, body=body))
            return
        target = self.headers.get("X-Amz-Target", "")
        try:
            params = json.loads(body or b"{}")
            if not isinstance(params, dict):
                raise ValueError("not an object")
        except ValueError:
            self._send_error(errors.ApiError("SerializationException", "Request body is not a JSON object."))
            return
        region = _region(self.headers.get("Authorization", ""))
        try:
            result = self.server.simulator.call(target, params, region=region)
        except errors.ApiError as error:
            self._send_error(error)
            return
        except Exception as exc:  # the simulator's own bug: answer like AWS, keep serving
            print(f"sagemaker sandbox: {target}: {type(exc).__name__}: {exc}", file=sys.stderr)
            self._send_error(errors.ApiError("InternalFailure", f"{type(exc).__name__}: {exc}", status=500))
            return
        self._send_json(200, result)

    def _send_error(self, error: errors.ApiError) -> None:
        payload: dict[str, Any] = {"__type": error.code}
        if error.code == "UnknownOperationException":
            payload["__type"] = "com.amazon.coral.service#UnknownOperationException"
        if error.message:
            payload["message"] = error.message
        self._send_json(error.status, payload, extra={"x-amzn-ErrorType": error.code})

    def _send_json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


def _region(authorization: str) -> str:
    match = _SCOPE.search(authorization)
    return match.group(1) if match else DEFAULT_REGION
