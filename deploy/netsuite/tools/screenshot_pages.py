"""Screenshots of the pages a customer meets after clicking the portal link, at phone and desktop widths.

    python deploy/netsuite/tools/screenshot_pages.py [--out DIR] [--company NAME] [--contact EMAIL_OR_URL]

Starts the Stripe and NetSuite mocks on 127.0.0.1, brings about each failure the portal Suitelet can
show (mock_netsuite renders the same pages as custsync_portal_suitelet.js; a test compares the two),
opens each link in headless Chromium (Debian's `chromium` package) and writes
DIR/<reason>-phone.png (390 px wide) and DIR/<reason>-desktop.png (1280 px). Exit 2 when Chromium is
missing or a page cannot be made; nothing leaves this machine.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root: the mocks

from mock_netsuite import serve_in_thread as serve_netsuite
from mock_netsuite.portal_suitelet import signed_link
from mock_stripe import serve_in_thread as serve_stripe

WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}
# The flags Chromium needs on a closed machine: no sandbox as root, no GPU, no calls home.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1"]
STRIPE_KEY = "sk_test_screenshots_4242424242424242"
SECRET = "screenshot-pages-signing-secret-0123456789"
SID = "custentity_paypack_stripe_customer_id"
CUSTOMERS = [{"id": "101", "companyName": "Acme", "email": "ap@acme.test", SID: "cus_A"},
             {"id": "102", "companyName": "Globex", "email": "billing@globex.test"},
             {"id": "103", "companyName": "Initech", "email": "ar@initech.test", SID: "cus_GONE"}]
# reason -> (customer, what is set up wrong for it)
CASES = {
    "bad-signature": ("101", {"tampered": True}),
    "not-linked": ("102", {}),
    "stale-customer": ("103", {}),
    "portal-not-activated": ("101", {"portal": "none"}),
    "stripe-refused": ("101", {"stripe_api_key": "sk_test_revoked_key_00000000000000"}),
    "stripe-unreachable": ("101", {"stripe_base_url": "http://127.0.0.1:9"}),
}


def find_chromium(given: str | None) -> str | None:
    """The Chromium to run: the one given, if it runs, else Debian's on PATH."""
    if given:
        return shutil.which(given)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(chromium: str, url: str, size: tuple[int, int], out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="custsync-chromium-") as profile:
        done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                               f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", url],
                              capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"chromium could not take {out.name}: {done.stderr.strip()[-500:]}")


def dump_dom(chromium: str, url: str) -> str:
    """The page as Chromium parsed it."""
    with tempfile.TemporaryDirectory(prefix="custsync-chromium-") as profile:
        done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"chromium could not open the page: {done.stderr.strip()[-500:]}")
    return done.stdout


class PortalPages:
    """Both mocks, wired as `custsync mocks` wires them, and the link that shows each page."""

    def __init__(self, company: str | None, contact: str | None) -> None:
        self.company, self.contact = company, contact
        self.stripe = serve_stripe(seed=7)
        self.netsuite = serve_netsuite()

    def close(self) -> None:
        self.netsuite.stop()
        self.stripe.stop()

    def link_for(self, reason: str) -> str:
        cid, setup = CASES[reason]
        stripe_state = {"accounts": [{"id": "acct_screens", "api_keys": [STRIPE_KEY], "test": {
            "customers": [{"id": "cus_A", "email": "ap@acme.test"},
                          {"id": "cus_GONE", "email": "ar@initech.test", "deleted": True}],
            "portal_configuration": setup.get("portal", "active")}}]}
        r = httpx.put(f"{self.stripe.url}/_mock/state", json=stripe_state, timeout=10)
        r.raise_for_status()
        doc = httpx.get(f"{self.netsuite.url}/_mock/state", timeout=10).json()
        doc["customers"] = CUSTOMERS
        doc["portal_suitelet"] = {
            **(doc.get("portal_suitelet") or {}), "stripe_base_url": setup.get("stripe_base_url", self.stripe.url),
            "stripe_api_key": setup.get("stripe_api_key", STRIPE_KEY), "return_url": "https://erp.test/account",
            "signing_secret": SECRET, "company_name": self.company, "support_contact": self.contact}
        r = httpx.put(f"{self.netsuite.url}/_mock/state", json=doc, timeout=10)
        r.raise_for_status()
        link = signed_link(self.netsuite.url, self.netsuite.account, doc["portal_suitelet"], cid)
        return link[:-1] + ("0" if link[-1] != "0" else "1") if setup.get("tampered") else link


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("portal-pages"), help="folder for the PNG files")
    parser.add_argument("--company", default="Acme Supply Co.", help="the company name the pages show")
    parser.add_argument("--contact", default="billing@acme-supply.test",
                        help="the billing contact the pages show: an email address or an https:// page")
    parser.add_argument("--chromium", help="the Chromium binary (default: chromium on PATH)")
    parser.add_argument("--reason", action="append", choices=sorted(CASES),
                        help="only this page (repeat for more); default: every page")
    args = parser.parse_args(argv)
    chromium = find_chromium(args.chromium)
    if chromium is None:
        print(f"error: Chromium not found{f' at {args.chromium}' if args.chromium else ''}. Install Debian's "
              "package (apt-get install chromium) or give --chromium.",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    pages = PortalPages(args.company or None, args.contact or None)
    try:
        for reason in args.reason or list(CASES):
            url = pages.link_for(reason)
            for name, size in WIDTHS.items():
                out = args.out / f"{reason}-{name}.png"
                screenshot(chromium, url, size, out)
                print(out)
    except (RuntimeError, httpx.HTTPError, subprocess.TimeoutExpired) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        pages.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
