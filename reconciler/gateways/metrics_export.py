"""Where a pass's metrics go: a Prometheus Pushgateway, or a node-exporter textfile.

Contract:
- `push(registry, url=..., job=..., grouping_key=..., replace=...)` sends the registry to the
  Pushgateway's group `job` + `grouping_key` with prometheus_client's own functions: PUT
  (`push_to_gateway`, the group is replaced) when `replace`, else POST (`pushadd_to_gateway`, only the
  families the registry carries are replaced; the others keep the values of earlier pushes).
- `write_textfile(registry, path, replace=...)` writes the text exposition format atomically (a
  temporary file in the same directory, then rename), so node-exporter's textfile collector never reads
  half a file. Without `replace`, families of the existing file that the registry does not carry are
  kept, as POST does on the gateway.
- Failures raise `ExportError` with a message naming the target and what to check.
Thin: decides nothing about which metrics exist.
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
from collections.abc import Iterator, Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, push_to_gateway, pushadd_to_gateway
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

TIMEOUT_SECONDS = 10.0


class ExportError(Exception):
    """The metrics could not be delivered."""


def push(
    registry: CollectorRegistry, *, url: str, job: str, grouping_key: Mapping[str, str], replace: bool
) -> None:
    send = push_to_gateway if replace else pushadd_to_gateway
    try:
        send(url, job=job, registry=registry, grouping_key=dict(grouping_key), timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as exc:
        raise ExportError(
            f"cannot push metrics to the Pushgateway at {url}: HTTP {exc.code} {exc.reason} "
            "(check --pushgateway: the gateway's base URL, e.g. http://pushgateway.monitoring:9091)"
        ) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ExportError(
            f"cannot push metrics to the Pushgateway at {url}: {reason} "
            "(check --pushgateway and that the gateway is reachable from this pod)"
        ) from None


class _Kept(Collector):
    """Families carried over from the previous textfile."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def write_textfile(registry: CollectorRegistry, path: str | os.PathLike[str], *, replace: bool) -> None:
    target = Path(path)
    text = generate_latest(registry)
    if not replace:
        fresh = {family.name for family in registry.collect()}
        kept = [family for family in _previous(target) if family.name not in fresh]
        if kept:
            merged = CollectorRegistry(auto_describe=False)
            merged.register(_Kept(kept))
            text += generate_latest(merged)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text)
            os.chmod(tmp, 0o644)  # node-exporter usually runs as another user
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ExportError(
            f"cannot write the metrics textfile {target}: {exc.strerror or exc} "
            "(check --metrics-textfile: its directory must exist and be writable)"
        ) from None


def _previous(target: Path) -> list[Metric]:
    """The families of the file a previous pass wrote; none when it is missing or unreadable."""
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    try:
        return list(text_string_to_metric_families(text))
    except ValueError:
        return []  # not ours, or damaged: the new file replaces it
