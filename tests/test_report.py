"""``neurovision report``: the pages are written, hold every score, and render in a real browser (headless Chromium,
Debian package ``chromium``, installed by ``make test`` / ``.ci/run``) with every image loaded."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from neurovision.cli import main


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("headless Chromium is missing in CI (`apt-get install chromium`; make test installs it)")
        pytest.skip("chromium not installed")
    return path


def _render(browser: str, page, tmp_path) -> tuple[str, bytes]:
    """The DOM after the page's scripts ran, and a PNG screenshot of the page."""
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(args + ["--virtual-time-budget=5000", "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    shot = tmp_path / f"{page.parent.name}.png"
    subprocess.run(args + ["--window-size=1200,2400", f"--screenshot={shot}", page.as_uri()], capture_output=True,
                   timeout=120, check=True)
    return dom, shot.read_bytes()


def test_report_pages_render_with_every_image(data_mirror, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", "pixels", "kalman_compensating", "--benchmarks", "kriegeskorte2008.it_human",
                 "kriegeskorte2008.it_monkey", "cottier2023.flash_lag", "--n-boot", "20", "--out", str(out),
                 "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out
    pixels, kalman = out / "pixels" / "index.html", out / "kalman_compensating" / "index.html"
    index = out / "index.html"
    text = pixels.read_text()
    # every score of the model with its CI and ceiling; the benchmark it cannot take is listed with the reason
    for needle in ("kriegeskorte2008.it_human", "kriegeskorte2008.it_monkey", "none", "not scored: cottier2023",
                   "weights_sha256", "fingerprint"):
        assert needle in text, needle
    assert "dorsal_cottier2023.flash_lag.png" in kalman.read_text()
    assert "pixels/index.html" in index.read_text() and "kalman_compensating/index.html" in index.read_text()
    assert "http://" not in text and "https://" not in text  # self-contained
    browser = _chromium()
    for page, n_images in ((pixels, 3), (kalman, 1), (index, 0)):
        dom, png = _render(browser, page, tmp_path)
        loaded = re.search(r'data-images-loaded="(\d+)/(\d+)"', dom)
        assert loaded is not None, "the page's load script did not run"
        assert loaded.groups() == (str(n_images), str(n_images)), (page, loaded.groups())
        assert 'id="scores"' in dom
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a rendered page, not a blank one


def test_a_missing_image_is_detected(data_mirror, tmp_path):
    """The browser check can fail: remove one figure and the page reports it as not loaded."""
    out = tmp_path / "report"
    assert main(["report", "pixels", "--benchmarks", "kriegeskorte2008.it_monkey", "--n-boot", "0", "--out",
                 str(out), "--quiet", "--no-profiles"]) == 0
    (out / "pixels" / "rdm_it.png").unlink()
    dom, _ = _render(_chromium(), out / "pixels" / "index.html", tmp_path)
    assert re.search(r'data-images-loaded="0/1"', dom)
