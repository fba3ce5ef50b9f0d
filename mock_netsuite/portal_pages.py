"""The pages the portal Suitelet shows a customer, as custsync_portal_suitelet.js writes them.

The mock imports nothing of custsync's, so this template is the script's, written again; a test renders
both for each reason and compares them character for character (the reference aside). Each page names
the company, says what happened and the next step in plain words, and shows a short reference that the
execution log line carries too. PayPack's sentence stays as a small line where PayPack showed it (R7).
"""
from __future__ import annotations

import html
import re
import secrets

PORTAL_ERROR_TEXT = "Getting error while generating customer portal Session URL"  # PayPack's own sentence

INVALID_LINK = {
    "heading": "This billing link no longer works",
    "message": "This billing link is not valid or is out of date.",
    "next": "Please ask {company} for a new link.",
}
CANNOT_OPEN = {
    "heading": "Your billing page could not be opened",
    "message": "Something went wrong while opening your billing page.",
    "next": "Please try again later, or contact {company} if it keeps happening.",
    "paypack": PORTAL_ERROR_TEXT,
}
PAGES = {
    "bad-signature": INVALID_LINK,
    "stale-customer": INVALID_LINK,
    "not-linked": {
        "heading": "Your billing page is not ready yet",
        "message": "Online billing is not set up for your account yet.",
        "next": "Please contact {company} to set it up, or to pay your invoice another way.",
    },
    "portal-not-activated": CANNOT_OPEN,
    "stripe-refused": CANNOT_OPEN,
    "stripe-unreachable": {
        "heading": "Your billing page is temporarily unavailable",
        "message": "The billing portal cannot be reached right now.",
        "next": "Please try again in a few minutes.",
    },
}
NO_COMPANY = "the company that sent you this link"
EMAIL = re.compile(r"^[^\s@<>\"']+@[^\s@<>\"']+\.[^\s@<>\"']+$")
WEB_PAGE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
REFERENCE_CHARS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone
STYLE = ('body{margin:0;background:#f3f4f6;color:#1f2937;'
         'font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}'
         'main{box-sizing:border-box;max-width:36rem;margin:0 auto;padding:clamp(1.25rem,8vh,5rem) 1rem 2rem}'
         'article{background:#ffffff;border:1px solid #d1d5db;border-radius:12px;padding:1.5rem}'
         '.company{margin:0 0 1rem;font-weight:600;color:#374151}'
         'h1{margin:0 0 .75rem;font-size:1.5rem;line-height:1.3;color:#111827}'
         'p{margin:0 0 .75rem}'
         'a{display:inline-block;max-width:100%;color:#1d4ed8;overflow-wrap:anywhere}'
         '.ref{margin:1.25rem 0 0;font-size:.875rem;color:#4b5563}')


def escape(text: str) -> str:
    """As the script's escapeHtml: & < > " ' (html.escape writes ' as &#x27;)."""
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def new_reference() -> str:
    """A short random reference, e.g. 7KQ2-MX9D."""
    chars = "".join(secrets.choice(REFERENCE_CHARS) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def contact_html(contact: str) -> str:
    """A mailto or web link, or the text as given (a phone number)."""
    if EMAIL.match(contact):
        return f'<a href="mailto:{escape(contact)}">{escape(contact)}</a>'
    if WEB_PAGE.match(contact):
        shown = re.sub(r"/$", "", re.sub(r"^https?://", "", contact, count=1, flags=re.IGNORECASE), count=1)
        return f'<a href="{escape(contact)}">{escape(shown)}</a>'
    return escape(contact)


def page_html(reason: str, ref: str, company: str, contact: str) -> str:
    content = PAGES[reason]
    who = escape(company or NO_COMPANY)
    title = f"{content['heading']} · {company}" if company else content["heading"]
    paypack = f"<br>{escape(content['paypack'])}" if content.get("paypack") else ""
    return ('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="robots" content="noindex, nofollow">\n'
            '<meta name="referrer" content="no-referrer">\n'
            f'<meta name="custsync-portal-page" content="{reason}">\n'
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<article>\n"
            + (f'<p class="company">{escape(company)}</p>\n' if company else "")
            + f"<h1>{escape(content['heading'])}</h1>\n"
            f"<p>{escape(content['message'])}</p>\n"
            f"<p>{escape(content['next']).replace('{company}', who, 1)}</p>\n"
            + (f'<p class="contact">Billing contact: {contact_html(contact)}</p>\n' if contact else "")
            + f'<p class="ref">Reference for support: {ref}{paypack}</p>\n</article>\n</main>\n</body>\n</html>\n')
