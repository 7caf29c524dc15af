"""Headless Chromium for tests: find it or install Debian's `chromium`, and run it with the network off.

`find_or_install()` returns the browser's path, installing the Debian package with apt-get when it
is missing and this process may (root, apt-get present); otherwise it returns the reason it cannot,
for the test to skip with. `run(...)` starts Chromium headless with a fresh profile and the flags
that keep it off the network (no background networking, component updates, sync or QUIC, and every
request sent to a proxy that does not exist, so a page that needed a CDN would fail to draw).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser")
INSTALL_TIMEOUT = 900
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    # Nothing may leave the machine: every request goes to a closed loopback port.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    # plotly's parallel coordinates draw with WebGL; headless Chromium without a GPU needs this to
    # fall back to its software renderer.
    "--enable-unsafe-swiftshader",
    "--enable-logging=stderr",
    "--v=0",
)


def _which() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_or_install() -> tuple[str | None, str]:
    """(path, "") when Chromium is there or could be installed, else (None, why not)."""
    found = _which()
    if found:
        return found, ""
    apt = shutil.which("apt-get")
    if apt is None:
        return None, "chromium is not installed and there is no apt-get to install it with"
    if os.geteuid() != 0:
        return None, "chromium is not installed and installing it with apt-get needs root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        [apt, "update", "-q"],
        [apt, "install", "-y", "-q", "chromium"],
    ):
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            return None, f"`{' '.join(command)}` did not finish within {INSTALL_TIMEOUT}s"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
            return None, f"`{' '.join(command)}` failed: {tail[0]}"
    found = _which()
    return (found, "") if found else (None, "apt-get installed chromium but no chromium binary is on PATH")


def run(
    browser: str, url: str, *extra: str, profile: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Chromium headless and offline on `url` with `extra` flags (e.g. --dump-dom, --screenshot=...)."""
    return subprocess.run(
        [browser, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
