"""No API key, token secret, signing secret, signed portal link or session URL is ever drawn, on any screen, after real work."""

from __future__ import annotations

import html
import re

from tests.support.tui_helpers import settle


def screen_text(svg: str) -> str:
    """The characters drawn, without SVG markup (a value split across styled spans joins up again)."""
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_screens_show_no_secrets_after_sync_and_mass_sync(app_for, mocks):
    secrets = [mocks.stripe.info["api_key"]] + [mocks.netsuite.info[k] for k in
                                                 ("consumer_key", "consumer_secret", "token_id", "token_secret")]
    secrets.append(mocks.netsuite.control.configure_portal_suitelet()["signing_secret"])
    with open(mocks.netsuite.info["private_key_file"]) as fh:  # the M2M private key, line by line
        secrets += [line for line in fh.read().splitlines() if line and not line.startswith("-----")]
    app = app_for()
    screens: list[str] = []
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"1001", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("s")  # sync: writes the signed portal link
        await settle(app, pilot)
        screens.append(app.export_screenshot())
        await pilot.press("k")  # check: opens the link, which redirects to a session URL
        await settle(app, pilot)
        screens.append(app.export_screenshot())
        await pilot.press("escape", "f2")
        await settle(app, pilot)
        await pilot.press("s")  # the mass sync (test key: no confirmation)
        await settle(app, pilot)
        for key in ("f2", "f3", "f4", "f5", "f1"):
            await pilot.press(key)
            await settle(app, pilot)
            screens.append(app.export_screenshot())
    portal_urls = [c["custentity_paypack_portal_url"] for c in mocks.netsuite.control.state()["customers"]
                   if c.get("custentity_paypack_portal_url")]
    assert len(portal_urls) > 10, "the mass sync should have stored portal links"
    drawn = "\n".join(screen_text(svg) for svg in screens)
    assert "/app/site/hosting/****" in drawn and "cus_" in drawn  # the text is readable: masked link, ids
    assert "sig=" not in drawn and not re.search(r"/p/session/(?!\*\*\*\*)", drawn)
    assert "Bearer" not in drawn and "eyJ" not in drawn  # no access token, no signed JWT (base64 of '{"')
    for value in secrets + portal_urls:
        assert value not in drawn, f"drawn on screen: {value[:16]}..."
