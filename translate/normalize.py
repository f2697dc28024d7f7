"""Text normalisation that never changes meaning: Unicode NFC, Persian letters and digits, invisible marks, spaces.

Digits: Persian (۰-۹) and Arabic-Indic (٠-٩) digits become ASCII in every language. A number then reads the same
in every source ("۲۵ نوامبر" and "25. November" share "25"), which the lexical and claim matchers rely on, and the
MT models write ASCII digits in English anyway.
"""

from __future__ import annotations

import re
import unicodedata

ZWNJ = "\u200c"

# Languages written in Persian script whose keyboards differ from Arabic only in these code points.
PERSIAN_SCRIPT_LANGS = frozenset({"fa", "ur"})

_PERSIAN_LETTERS = str.maketrans({
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> ARABIC LETTER FARSI YEH
    "\u0649": "\u06cc",  # ARABIC LETTER ALEF MAKSURA (used for final yeh) -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> ARABIC LETTER KEHEH (Persian kaf)
})

_DIGITS = str.maketrans({
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended Arabic-Indic (Persian, Urdu)
    "\u066a": "%",  # ARABIC PERCENT SIGN
})

# Marks with no visible meaning that split otherwise equal strings: zero-width space, LRM/RLM and bidi
# embeddings/isolates, stray BOMs, soft hyphens, and tatweel (kashida, pure letter stretching).
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad\u0640]")
# Arabic decimal and thousands separators only act as such between digits.
_AR_DECIMAL = re.compile(r"(?<=\d)\u066b(?=\d)")
_AR_THOUSANDS = re.compile(r"(?<=\d)\u066c(?=\d)")
_ZWNJ_RUN = re.compile(ZWNJ + "{2,}")
# A ZWNJ only means something between two letters (or a letter's combining mark); elsewhere it is noise.
_LETTER = r"(?:[^\W\d_]|[\u0610-\u061a\u064b-\u065f\u0670])"
_STRAY_ZWNJ = re.compile(rf"(?<!{_LETTER}){ZWNJ}|{ZWNJ}(?!{_LETTER})")
_SPACES = re.compile(r"\s+")


def normalize_text(s: str, lang: str | None = None) -> str:
    """Normalise `s` without changing its meaning; Persian-script letter fixes apply when lang is "fa" or "ur"."""
    s = unicodedata.normalize("NFC", s)
    if lang in PERSIAN_SCRIPT_LANGS:
        s = s.translate(_PERSIAN_LETTERS)
    s = s.translate(_DIGITS)
    s = _AR_DECIMAL.sub(".", s)
    s = _AR_THOUSANDS.sub(",", s)
    s = _INVISIBLE.sub("", s)
    if ZWNJ in s:
        s = _ZWNJ_RUN.sub(ZWNJ, s)
        s = _STRAY_ZWNJ.sub("", s)
    return _SPACES.sub(" ", s).strip()
