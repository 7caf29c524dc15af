"""The repository cites only what it contains: no design file or interface sheet kept outside it.
Maintainers' context is docs/architecture.md; users' is README.md and docs/."""

from __future__ import annotations

import re
import subprocess

from tests.deploy.deploy_helpers import REPO

# What earlier drafts cited and the repository does not hold.
OUTSIDE = re.compile(r"DESIGN(?:\.md)?\s+(?:section\s+)?\d|DESIGN\.md|interfaces\.md")


def tracked_text_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.splitlines() if not name.endswith((".png", ".svg", ".whl"))]


def test_nothing_cites_a_file_outside_the_repository() -> None:
    citing = []
    for name in tracked_text_files():
        path = REPO / name
        if not path.is_file():
            continue  # deleted in the working tree, not yet committed
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        citing += [f"{name}:{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1)
                   if OUTSIDE.search(line) and name != "tests/deploy/test_repository_is_self_contained.py"]
    assert citing == []
