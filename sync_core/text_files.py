"""Read a text file the user wrote (config, secrets, scenario, CSV) as UTF-8, or say which encoding it is in.

A file saved as UTF-16 (Windows "Unicode"), with a byte-order mark, or in Latin-1/Windows-1252 is refused
with a sentence naming the file and the encoding, never a UnicodeDecodeError.
"""

from __future__ import annotations

import codecs
from pathlib import Path

BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF8, "UTF-8 with a byte-order mark (BOM)"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)


class TextEncodingError(ValueError):
    """The file is not plain UTF-8; the message names the file, what it is and what to do."""

    def __init__(self, path: Path | str, encoding: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: not UTF-8: the file is encoded as {encoding}. Save it as UTF-8 "
                         "(without BOM) and try again.")
        self.path, self.encoding, self.line = str(path), encoding, line


def detect_encoding(raw: bytes) -> str | None:
    """None for plain UTF-8, else a name for what the bytes are."""
    for bom, name in BOMS:
        if raw.startswith(bom):
            return name
    if raw[:200].count(b"\x00") > len(raw[:200]) // 4:
        return "UTF-16 (no byte-order mark)"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "Latin-1/Windows-1252 or another 8-bit encoding"
    return None


def decode_utf8(raw: bytes, path: Path | str, *, allow_bom: bool = False) -> str:
    """`raw` as text; `allow_bom` accepts a UTF-8 byte-order mark (spreadsheets write one in CSV files)."""
    if allow_bom and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    encoding = detect_encoding(raw)
    if encoding is None:
        return raw.decode("utf-8")
    line = None
    if encoding.startswith("Latin-1"):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
    raise TextEncodingError(path, encoding, line)


def read_utf8(path: Path, *, allow_bom: bool = False) -> str:
    """Read `path` as UTF-8 (OSError propagates: callers word it for their file)."""
    return decode_utf8(path.read_bytes(), path, allow_bom=allow_bom)
