"""Debian-packaged tools some tests need (promtool, prometheus, prometheus-pushgateway).

`debian_tool(binary, package)` returns the tool's path, installing the package with apt-get first when
it is missing and this process may (root, apt-get present, as on CI's fresh machine), or calls
`pytest.skip` with the reason (pytest's -ra summary prints it). The install happens at most once per
package per test session; its output goes to the skip reason when it fails.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

import pytest

_APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


@functools.cache
def _install(package: str) -> str | None:
    """None when `package` got installed, else why not."""
    apt = shutil.which("apt-get")
    if apt is None:
        return "apt-get is not available on this machine"
    if os.geteuid() != 0:
        return "apt-get install needs root"
    command = [apt, "install", "-y", "--no-install-recommends", package]
    result = subprocess.run(command, capture_output=True, text=True, env=_APT_ENV, timeout=900, check=False)
    if result.returncode != 0:  # a fresh machine's package lists may be empty or stale
        subprocess.run(
            [apt, "update"], capture_output=True, text=True, env=_APT_ENV, timeout=600, check=False
        )
        result = subprocess.run(
            command, capture_output=True, text=True, env=_APT_ENV, timeout=900, check=False
        )
    if result.returncode != 0:
        return f"apt-get install {package} failed: {(result.stderr or result.stdout).strip()[-500:]}"
    return None


def debian_tool(binary: str, package: str) -> str:
    path = shutil.which(binary)
    if path is not None:
        return path
    problem = _install(package)
    path = shutil.which(binary)
    if path is None:
        pytest.skip(
            f"{binary} (Debian package {package}) is missing: {problem or 'not on PATH after install'}"
        )
    return path
