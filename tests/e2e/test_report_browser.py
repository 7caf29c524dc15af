"""The HTML report in a real browser: headless Chromium, file:// URL, network off.

The page must load without script errors, its script must report every figure drawn, and each
figure's area of a full-page screenshot must show drawn data (saturated pixels: plotly's axes, grid,
background and text are all grey-blue, data markers, lines and bars are coloured). The screenshot
is kept as a test artifact at tests/artifacts/report-browser.png (ignored by git) and its path printed.
"""

from __future__ import annotations

import html.parser
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from reconciler.tools.report import write
from reconciler.tools.report_model import build_report
from tests.e2e import browser
from tests.unit.report_tables import rich

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "tests" / "artifacts" / "report-browser.png"
FIGURES = [
    "objective-over-time",
    "objective-vs-hyperparameters",
    "parallel-coordinates",
    "importance",
    "timeline",
]
WIDTH = 1280


@pytest.fixture(scope="module")
def chromium() -> Iterator[str]:
    path, why = browser.find_or_install()
    if path is None:
        print(f"skipping the browser test: {why}")
        pytest.skip(why)
    yield path


class _State(html.parser.HTMLParser):
    """The attributes of <p id="report-state"> in a DOM dump."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if dict(attrs).get("id") == "report-state":
            self.attrs = dict(attrs)


def saturated(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Pixels in `box` whose channels differ by more than 60 (coloured, not grey/white/blue-grey)."""
    data = image.convert("RGB").crop(box).tobytes()
    pixels = (data[i : i + 3] for i in range(0, len(data), 3))
    return sum(1 for p in pixels if max(p) - min(p) > 60)


def test_report_html_draws_every_panel_offline_without_script_errors(chromium: str, tmp_path: Path) -> None:
    job, jobs, parents = rich()
    page = tmp_path / "report.html"
    write(build_report(job, jobs, parents=parents), page, out=io.StringIO())
    text = page.read_text(encoding="utf-8")
    assert "<script src" not in text and "<link" not in text  # nothing to fetch: plotly.js is inline
    url = page.as_uri()

    # The same width in both runs: the figures are responsive, so the boxes depend on it.
    dom = browser.run(
        chromium,
        url,
        "--virtual-time-budget=20000",
        f"--window-size={WIDTH},1000",
        "--dump-dom",
        profile=tmp_path / "p1",
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Uncaught" not in dom.stderr, dom.stderr[-2000:]
    state = _State()
    state.feed(dom.stdout)
    assert state.attrs.get("data-errors") is None, state.attrs.get("data-errors")
    assert state.attrs.get("data-state") == "drawn", state.attrs
    assert state.attrs.get("data-plots") == str(len(FIGURES))
    boxes: list[dict[str, Any]] = json.loads(state.attrs.get("data-boxes") or "[]")
    assert [b["id"] for b in boxes] == FIGURES
    height = int(state.attrs.get("data-height") or 0)
    assert height > sum(b["h"] for b in boxes)

    shot = tmp_path / "shot.png"
    taken = browser.run(
        chromium,
        url,
        "--virtual-time-budget=20000",
        f"--window-size={WIDTH},{height}",
        f"--screenshot={shot}",
        profile=tmp_path / "p2",
    )
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_bytes(shot.read_bytes())
    print(f"report screenshot: {ARTIFACT}")
    image = Image.open(shot)
    assert image.size == (WIDTH, height)
    counts = {}
    for b in boxes:
        left, top = int(b["x"]), int(b["y"])
        right = left + int(
            b["w"] * (0.75 if b["id"] == "parallel-coordinates" else 1.0)
        )  # not its colour bar
        counts[b["id"]] = saturated(image, (left, top + 40, right, top + int(b["h"])))  # below the title
    assert all(n > 150 for n in counts.values()), counts


def test_the_blank_check_sees_an_empty_page(tmp_path: Path) -> None:
    # The pixel check itself must be able to fail: a white or plotly-background area counts nothing.
    image = Image.new("RGB", (200, 200), (255, 255, 255))
    image.paste((229, 236, 246), (0, 0, 200, 100))  # plotly's plot background
    assert saturated(image, (0, 0, 200, 200)) == 0
    image.paste((31, 119, 180), (10, 10, 30, 30))  # one marker-sized blob of the first trace colour
    assert saturated(image, (0, 0, 200, 200)) == 400
