"""Language identification with lingua (its models ship inside the wheel), and checking user-given language codes."""

from __future__ import annotations

import re
from functools import lru_cache

from translate.errors import InputError

# Restricting lingua to the languages xling's users bring keeps it fast and light: each language's n-gram
# models are loaded on first use, and all 75 languages together cost seconds and about a gigabyte.
DETECTABLE = (
    "de", "en", "fa", "ar", "fr", "es", "it", "ru", "zh", "tr", "ur", "pt", "nl", "pl", "uk", "ja", "ko", "hi", "he",
    "sv",
)

# ISO 639-1: a user may name any of these with --lang even where xling cannot detect it (NLLB covers many).
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee
    el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu
    ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb
    nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)

# How much text lingua sees: enough for a confident answer, bounded so a 5 MB file costs milliseconds.
_SAMPLE_CHARS = 2500


@lru_cache(maxsize=1)
def _detector():
    """The lingua detector, built once on first use."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in DETECTABLE]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


# Codes people copy from NLLB ("pes_Arab") or library catalogues (ISO 639-2/B) that lingua's ISO 639-3 list lacks.
_EXTRA_ALIASES = {
    "pes": "fa", "per": "fa", "prs": "fa", "ger": "de", "fre": "fr", "dut": "nl", "chi": "zh", "cmn": "zh", "arb": "ar",
    "zsm": "ms", "gaz": "om", "khk": "mn", "lvs": "lv", "azj": "az", "uzn": "uz", "npi": "ne", "ory": "or",
}


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Language names ("german") and ISO 639-3 codes ("deu") mapped to ISO 639-1, so `--lang German` works too."""
    from lingua import Language

    out = dict(_EXTRA_ALIASES)
    for lang in Language.all():
        code = lang.iso_code_639_1.name.lower()
        out[lang.name.lower()] = code
        out[lang.iso_code_639_3.name.lower()] = code
    return out


def resolve_language(code: str) -> str:
    """Turn a user-given language ("de", "DE", "de-AT", "deu", "pes_Arab", "German") into ISO 639-1, or InputError."""
    raw = (code or "").strip().lower()
    base = re.split(r"[-_]", raw, maxsplit=1)[0]
    if base in ISO_639_1:
        return base
    for key in (raw, base):
        if key in _aliases():
            return _aliases()[key]
    raise InputError(
        f"Unknown language {code!r}; give a two-letter ISO 639-1 code such as de, en or fa "
        f"(detectable automatically: {', '.join(DETECTABLE)})."
    )


def _sample(text: str) -> str:
    """The beginning and the middle of a long text: boilerplate at one end cannot decide the language alone."""
    if len(text) <= 2 * _SAMPLE_CHARS:
        return text
    mid = len(text) // 2
    return text[:_SAMPLE_CHARS] + "\n" + text[mid:mid + _SAMPLE_CHARS]


def detect_language(text: str, name: str = "the text") -> str:
    """Identify the language of `text` as an ISO 639-1 code ("de", "en", "fa", ...); InputError if it cannot."""
    found = _detector().detect_language_of(_sample(text)) if text.strip() else None
    if found is None:
        raise InputError(
            f"Could not identify the language of {name} (too little text, or not one of {', '.join(DETECTABLE)}); "
            "pass it with --lang, e.g. --lang el."
        )
    return found.iso_code_639_1.name.lower()
