"""The rendered page in a real (headless) browser: the SYNTHETIC banner is visibly red.

Needs Debian's ``chromium``; where it is not installed this one module is skipped, with the reason
given (every other report test runs without it).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import numpy as np
import pytest

from bayes_iris.report import render_report

from .conftest import HOSTILE_SITE, fabricate_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed: this headless-browser check of the rendered page needs "
    "it (apt-get install chromium); the HTML itself is checked by test_report_render.py",
)


def test_banner_is_red_in_a_browser(tmp_path):
    from matplotlib.image import imread

    root = fabricate_results(tmp_path / "res", site=HOSTILE_SITE)
    html = render_report(root, engine="jupyter")
    shot = tmp_path / "page.png"
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--screenshot={shot}",
                "--window-size=1280,1200",
                html.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert shot.is_file(), proc.stderr[-2000:]
    img = imread(shot)[..., :3]
    # the banner's background #b00020 = (176, 0, 32)
    red = np.all(np.abs(img * 255 - np.array([176, 0, 32])) < 12, axis=-1)
    assert red.sum() > 20_000, f"only {red.sum()} banner-red pixels in the first screen"
    # it is in the upper part of the first screen (the first page's banner)
    rows = np.nonzero(red.any(axis=1))[0]
    assert rows.min() < 400
