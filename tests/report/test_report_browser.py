"""The rendered page in a real (headless) browser, as a reader at a laptop sees it (1366 px).

- the SYNTHETIC banner is visibly red on the first screen;
- no table is wider than its box or its column (each table's ``scrollWidth`` against its
  wrapper's ``clientWidth``, and the wrapper's right edge against the main column's, measured in
  the real DOM by a small script the test adds to a COPY of the page and reads back with
  ``--dump-dom``; the report itself carries no script);
- every image loads (``naturalWidth > 0``), and every figure on the page was recorded at write
  time with a legend and without overprinting tick labels (``figures/<name>.json``).

Negative controls prove each check can fail: a page with a deliberately unwrappable table and a
broken image is measured the same way and both are caught.

Needs Debian's ``chromium`` (``.ci/run`` installs it); where it is missing this module is skipped
with the reason given.
"""

from __future__ import annotations

import html as _html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from bayes_iris.report import render_report

from .conftest import HOSTILE_SITE, fabricate_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Set by .ci/run: in CI a missing browser is a failure, not a skip.
REQUIRED = os.environ.get("BAYES_IRIS_REQUIRE_BROWSER") == "1"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not REQUIRED,
    reason="chromium is not installed: this headless-browser check of the rendered page needs "
    "it (apt-get install chromium; .ci/run installs it); the HTML itself is checked by "
    "test_report_render.py",
)


@pytest.fixture(autouse=True)
def _browser_present():
    assert CHROMIUM is not None, ("BAYES_IRIS_REQUIRE_BROWSER=1 but no chromium on PATH: "
                                  ".ci/run should have installed it")

WIDTH = 1366
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         f"--window-size={WIDTH},1200"]

#: Measures the page and writes its findings, as JSON, into the DOM (read back by --dump-dom).
MEASURE = """
<script>
window.addEventListener('load', function () {
  var main = document.querySelector('main') || document.body;
  var mainRight = main.getBoundingClientRect().right + 1;
  var tables = [];
  document.querySelectorAll('table').forEach(function (t, i) {
    var box = t.parentElement;
    var r = box.getBoundingClientRect();
    tables.push({i: i, caption: (box.previousElementSibling || {}).textContent || '',
                 scroll: t.scrollWidth, box: box.clientWidth, right: r.right,
                 mainRight: mainRight, rows: t.querySelectorAll('tbody tr').length});
  });
  var images = [];
  document.querySelectorAll('img').forEach(function (im) {
    var fig = im.closest('figure');
    images.push({name: fig ? fig.getAttribute('data-figure') : null,
                 natural: im.naturalWidth, shown: im.getBoundingClientRect().width,
                 right: im.getBoundingClientRect().right, mainRight: mainRight});
  });
  var out = document.createElement('pre');
  out.id = 'bi-measure';
  out.textContent = JSON.stringify({tables: tables, images: images});
  document.body.appendChild(out);
});
</script>
"""


def _chromium(args: list[str], timeout: int = 180) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout, check=False)


def measure(page: Path, extra_html: str = "") -> dict:
    """Load a copy of ``page`` (plus ``extra_html`` at the end of the body) in Chromium at
    1366 px and return what the script measured."""
    text = page.read_text(encoding="utf-8")
    copy = page.with_name(page.stem + ".measure.html")
    copy.write_text(text.replace("</body>", f"{extra_html}{MEASURE}</body>"), encoding="utf-8")
    proc = _chromium(["--virtual-time-budget=10000", "--dump-dom", copy.as_uri()])
    m = re.search(r"<pre id=\"bi-measure\">(.*?)</pre>", proc.stdout, re.DOTALL)
    assert m, f"the measuring script did not run:\n{proc.stderr[-2000:]}"
    return json.loads(_html.unescape(m.group(1)))


def overflowing(found: dict) -> list[dict]:
    return [t for t in found["tables"]
            if t["scroll"] > t["box"] + 1 or t["right"] > t["mainRight"] + 1]


def broken(found: dict) -> list[dict]:
    return [im for im in found["images"] if im["natural"] <= 0]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = fabricate_results(tmp_path_factory.mktemp("browser") / "res", site=HOSTILE_SITE)
    return root, render_report(root, engine="jupyter")


def test_banner_is_red_in_a_browser(page, tmp_path):
    from matplotlib.image import imread

    _, html = page
    shot = tmp_path / "page.png"
    proc = _chromium([f"--screenshot={shot}", html.as_uri()], timeout=120)
    assert shot.is_file(), proc.stderr[-2000:]
    img = imread(shot)[..., :3]
    # the banner's background #b00020 = (176, 0, 32)
    red = np.all(np.abs(img * 255 - np.array([176, 0, 32])) < 12, axis=-1)
    assert red.sum() > 20_000, f"only {red.sum()} banner-red pixels in the first screen"
    rows = np.nonzero(red.any(axis=1))[0]
    assert rows.min() < 400  # the first page's banner, on the first screen


def test_no_table_wider_than_its_column_and_every_image_loads(page):
    _, html = page
    found = measure(html)
    assert len(found["tables"]) >= 20, "the page has fewer tables than the chapters show"
    assert not overflowing(found), overflowing(found)
    assert max(t["rows"] for t in found["tables"]) <= 20
    assert found["images"] and not broken(found), broken(found)
    assert all(im["right"] <= im["mainRight"] + 1 for im in found["images"])


def test_every_figure_on_the_page_has_a_legend_and_readable_ticks(page):
    root, html = page
    found = measure(html)
    names = {im["name"] for im in found["images"]}
    assert names, "no figure on the page"
    for name in sorted(names):
        sidecar = root / "figures" / f"{name}.json"
        assert sidecar.is_file(), f"figure {name} has no check record"
        check = json.loads(sidecar.read_text())
        assert check["has_legend"], f"figure {name} has no legend"
        assert check["tick_label_overlaps"] == 0, check["overlaps"]


def test_the_checks_catch_an_overflowing_table_and_a_broken_image(page):
    _, html = page
    wide = ("<div class='bi-table-wrap'><table class='bi-table' style='white-space:nowrap'>"
            "<tr><td>" + "unwrappable " * 200 + "</td></tr></table></div>"
            "<figure data-figure='none'><img src='data:image/png;base64,AAAA'></figure>")
    found = measure(html, wide)
    assert len(overflowing(found)) == 1
    assert [im["name"] for im in broken(found)] == ["none"]
