"""Reading input files into text: UTF-8 (with or without BOM) and UTF-16/32 with a BOM; anything else is refused."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

from translate.errors import InputError

# Checked longest first: the UTF-32 LE BOM begins with the UTF-16 LE BOM.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

# Formats people plausibly hand over instead of text; naming them makes the error actionable.
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.odt document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
]

STDIN = "-"


def decode_bytes(data: bytes, name: str) -> str:
    """Decode UTF-8 (BOM optional) or BOM-marked UTF-16/32 bytes, or raise InputError naming `name`."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{name} starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} "
                    f"(bad bytes at offset {exc.start + len(bom)}); re-save it as UTF-8."
                ) from None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"{name} is {what}, not a text file; give xling plain text saved as UTF-8 (.txt).")
    if b"\x00" in data[:65536]:
        raise InputError(
            f"{name} looks binary (it contains NUL bytes); if it is UTF-16 without a byte-order mark, "
            f"convert it with `iconv -f UTF-16LE -t UTF-8 {name} > {Path(name).stem}.utf8.txt`."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); convert it with "
            f"`iconv -f LATIN1 -t UTF-8 {name} > {Path(name).stem}.utf8.txt` (use its real encoding instead of LATIN1)."
        ) from None


_HTML_START = ("<!doctype html", "<html")


def _refuse_markup(text: str, name: str) -> str:
    """Return `text` unless it is a saved web page, whose tags and scripts would be read as sentences."""
    if text.lstrip()[:100].lower().startswith(_HTML_START):
        raise InputError(
            f"{name} is an HTML page, not plain text; save the article's text as a UTF-8 .txt file "
            f"(e.g. copy it from the browser's reader view)."
        )
    return text


def read_text(path: str | Path, *, article: bool = True) -> str:
    """Read a text file (or stdin for "-") and decode it; InputError if it is missing, a folder, or not text.

    `article=False` reads a data file (ladder, JSON lines, one segment per line), which may start with markup.
    """
    check = _refuse_markup if article else (lambda text, name: text)
    if str(path) == STDIN:
        return check(decode_bytes(sys.stdin.buffer.read(), "standard input"), "standard input")
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p} is a folder; give a text file, or a folder only where several documents are accepted.")
    if not p.exists():
        raise InputError(f"{p} does not exist; check the path.")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p} cannot be read ({exc.strerror or exc}).") from None
    return check(decode_bytes(data, str(p)), str(p))
