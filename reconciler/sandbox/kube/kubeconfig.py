"""A kubeconfig for the emulator: context "sandbox", namespace "default", a dummy bearer token.

Contract: `kubeconfig_text(url)` is the YAML document; `write_kubeconfig(url, path)` writes it with
mode 0600 (kubectl warns about group/world-readable kubeconfigs).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

TOKEN = "sandbox-token"  # the emulator authenticates nobody; clients just need a credential to send


def kubeconfig_text(url: str) -> str:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "sandbox", "cluster": {"server": url}}],
        "users": [{"name": "sandbox", "user": {"token": TOKEN}}],
        "contexts": [
            {"name": "sandbox", "context": {"cluster": "sandbox", "user": "sandbox", "namespace": "default"}}
        ],
        "current-context": "sandbox",
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def write_kubeconfig(url: str, *, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(kubeconfig_text(url))
    os.chmod(tmp, 0o600)
    tmp.replace(path)
