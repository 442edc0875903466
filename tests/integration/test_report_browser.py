"""The HTML report in a real headless Chromium: no console errors, every image decodes.

Needs Debian's chromium (``apt-get install chromium``) and the ``playwright`` Python package;
``playwright install`` is never needed because the system browser is launched directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sbmltwin.report.html import write_html
from tests.integration.test_report_render import synthetic_manifest

pytestmark = pytest.mark.integration

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    return found


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright not installed: pip install playwright"
    )
    report = write_html(synthetic_manifest(), tmp_path / "report.html")
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(report.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])"
            )
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert len(images) == 4
    for complete, width, alt in images:
        assert complete and width > 0, alt
    assert dialogs == []  # the escaped <script>alert(1)</script> never ran
    # only the report itself is loaded; data: images make no network request
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG")
    assert len(data) > 20_000
