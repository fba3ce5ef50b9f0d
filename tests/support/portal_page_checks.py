"""What makes a customer's page readable, checked on its markup without a browser: a language, a title, a
viewport for phones, one h1 and no skipped heading level, links with words, the system's fonts in one
column, and text colours of at least 4.5:1 contrast (WCAG 2.2, 1.4.3) against every declared background.

problems(html) lists what is wrong, in words; an empty list is a page that passes.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

MIN_CONTRAST = 4.5  # WCAG 2.2 success criterion 1.4.3, normal-size text
HEX = r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.title = ""
        self.metas: dict[str, str] = {}
        self.headings: list[int] = []
        self.links: list[tuple[str | None, str]] = []
        self.style = ""
        self.text: list[str] = []  # the visible words, in order
        self._in: list[str] = []
        self._link: list[str] | None = None
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "meta" and a.get("name"):
            self.metas[a["name"]] = a.get("content") or ""
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "a":
            self._link, self._href = [], a.get("href")
        if tag not in ("meta", "br", "link"):
            self._in.append(tag)

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append((self._href, "".join(self._link).strip()))
            self._link = None
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data):
        where = self._in[-1] if self._in else ""
        if where == "title":
            self.title += data
        elif where == "style":
            self.style += data
        elif "body" in self._in and data.strip():
            self.text.append(" ".join(data.split()))
        if self._link is not None:
            self._link.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def visible_text(html: str) -> str:
    return " ".join(parse(html).text)


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def declared_colours(style: str) -> tuple[set[str], set[str]]:
    """(text colours, background colours) the style sheet declares."""
    texts, backgrounds = set(), set()
    for _selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", style):
        for prop, value in re.findall(r"([a-z-]+)\s*:\s*([^;]+)", body):
            found = re.search(HEX, value)
            if not found:
                continue
            if prop == "color":
                texts.add(found.group(0).lower())
            elif prop in ("background", "background-color"):
                backgrounds.add(found.group(0).lower())
    return texts, backgrounds


def problems(html: str) -> list[str]:
    page = parse(html)
    found: list[str] = []
    if not (page.lang or "").strip():
        found.append("<html> has no lang attribute")
    if not page.title.strip():
        found.append("the page has no <title>")
    if "width=device-width" not in page.metas.get("viewport", ""):
        found.append("no viewport meta with width=device-width: phones show it zoomed out")
    if page.headings.count(1) != 1 or not page.headings or page.headings[0] != 1:
        found.append(f"the page needs exactly one h1, first (headings: {page.headings})")
    for before, after in zip(page.headings, page.headings[1:]):
        if after > before + 1:
            found.append(f"heading level skipped: h{before} then h{after}")
    for href, words in page.links:
        if not href or not words:
            found.append(f"a link without {'an address' if not href else 'words'}")
    if not re.search(r"font(-family)?\s*:[^;}]*system-ui", page.style):
        found.append("the style names no system font stack (system-ui)")
    if re.search(r"\b(columns|column-count|float)\s*:|display\s*:\s*(grid|table)", page.style):
        found.append("the style lays text out in more than one column")
    texts, backgrounds = declared_colours(page.style)
    if not texts or not backgrounds:
        found.append("the style declares no text colour or no background colour")
    for text in sorted(texts):
        for background in sorted(backgrounds):
            ratio = contrast(text, background)
            if ratio < MIN_CONTRAST:
                found.append(f"{text} on {background}: contrast {ratio:.2f}:1, below {MIN_CONTRAST}:1")
    return found
