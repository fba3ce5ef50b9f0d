"""The customer's pages in a real browser: deploy/netsuite/tools/screenshot_pages.py opens them in headless
Chromium (Debian's package) at phone and desktop widths. Skipped only where Chromium is not installed."""
from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import pytest

from tests.support.ns_helpers import DEPLOY_DIR
from tests.support.portal_page_checks import problems, visible_text

sys.path.insert(0, str(DEPLOY_DIR / "tools"))
import screenshot_pages

CHROMIUM = screenshot_pages.find_chromium(None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")


def png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """Width, height, and how many distinct byte values its pixels hold (a blank page holds very few)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@needs_chromium
def test_screenshots_at_phone_and_desktop_widths(tmp_path, capsys):
    reasons = ["bad-signature", "portal-not-activated"]
    code = screenshot_pages.main(["--out", str(tmp_path), *[a for r in reasons for a in ("--reason", r)]])
    assert code == 0, capsys.readouterr().err
    for reason in reasons:
        for name, (width, height) in screenshot_pages.WIDTHS.items():
            got_width, got_height, colours = png_size_and_colours(tmp_path / f"{reason}-{name}.png")
            assert (got_width, got_height) == (width, height)
            assert colours > 20, f"{reason}-{name}.png looks blank"


@needs_chromium
def test_the_page_as_chromium_reads_it():
    pages = screenshot_pages.PortalPages("Acme Supply Co.", "billing@acme-supply.test")
    try:
        dom = screenshot_pages.dump_dom(CHROMIUM, pages.link_for("stripe-unreachable"))
    finally:
        pages.close()
    assert problems(dom) == []
    text = visible_text(dom)
    assert "Your billing page is temporarily unavailable" in text and "Please try again in a few minutes." in text


def test_a_missing_chromium_is_named(tmp_path, capsys):
    assert screenshot_pages.main(["--out", str(tmp_path), "--chromium", str(tmp_path / "no-chromium")]) == 2
    assert f"Chromium not found at {tmp_path / 'no-chromium'}" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.png"))
