"""A real Prometheus scraping a real Pushgateway (Debian's `prometheus` and `prometheus-pushgateway`),
both on free 127.0.0.1 ports with their own temporary storage, for the metrics tests (issue 14).

Prometheus scrapes the gateway every second with `honor_labels: true` (docs/monitoring.md), so the
`job` and `shard` labels a pass pushes are the ones queries see.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.debian_tools import debian_tool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, *, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout} s: {log.read_text()[-2000:]}")


@dataclass
class PrometheusStack:
    gateway_url: str
    prometheus_url: str

    def query(self, promql: str) -> list[dict[str, Any]]:
        """Instant query through the HTTP API; the result vector."""
        url = f"{self.prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def value(self, promql: str) -> float | None:
        """The single sample of `promql`, None when the vector is empty."""
        result = self.query(promql)
        assert len(result) <= 1, result
        return float(result[0]["value"][1]) if result else None

    def wait_for(self, promql: str, expected: float, *, timeout: float = 30.0) -> float | None:
        """Poll until `promql`'s single sample equals `expected` (Prometheus scraped the latest push)."""
        return self.wait_until(promql, lambda value: value == expected, timeout=timeout)

    def wait_until(
        self, promql: str, accept: Callable[[float | None], bool], *, timeout: float = 30.0
    ) -> float | None:
        """Poll until `accept` takes `promql`'s single sample; the last sample seen when it never does."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.value(promql)
            if accept(value):
                return value
            time.sleep(0.25)
        return value

    def delete_group(self, job: str, **labels: str) -> None:
        path = "/".join(f"{k}/{urllib.parse.quote(v, safe='')}" for k, v in labels.items())
        request = urllib.request.Request(f"{self.gateway_url}/metrics/job/{job}/{path}", method="DELETE")
        with urllib.request.urlopen(request, timeout=10):
            pass


@contextmanager
def prometheus_stack(workdir: Path) -> Iterator[PrometheusStack]:
    gateway_bin = debian_tool("prometheus-pushgateway", "prometheus-pushgateway")
    prometheus_bin = debian_tool("prometheus", "prometheus")
    gateway_port, prometheus_port = free_port(), free_port()
    config = workdir / "prometheus.yml"
    config.write_text(
        json.dumps(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "scrape_configs": [
                    {
                        "job_name": "pushgateway",
                        "honor_labels": True,
                        "static_configs": [{"targets": [f"127.0.0.1:{gateway_port}"]}],
                    }
                ],
            }
        )
    )
    gateway_log, prometheus_log = workdir / "pushgateway.log", workdir / "prometheus.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with gateway_log.open("wb") as glog, prometheus_log.open("wb") as plog:
            gateway = subprocess.Popen(
                [gateway_bin, f"--web.listen-address=127.0.0.1:{gateway_port}"],
                stdout=glog,
                stderr=subprocess.STDOUT,
            )
            processes.append(gateway)
            prometheus = subprocess.Popen(
                [
                    prometheus_bin,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={workdir / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{prometheus_port}",
                ],
                stdout=plog,
                stderr=subprocess.STDOUT,
            )
            processes.append(prometheus)
        stack = PrometheusStack(f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{prometheus_port}")
        _wait_http(f"{stack.gateway_url}/-/ready", process=gateway, log=gateway_log)
        _wait_http(f"{stack.prometheus_url}/-/ready", process=prometheus, log=prometheus_log)
        yield stack
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
