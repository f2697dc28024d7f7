"""Language identification with lingua (its models ship inside the wheel), and checking user-given language codes."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from translate.errors import InputError

# Restricting lingua to the languages xling's users bring keeps it fast and light: each language's n-gram
# models are loaded on first use, and all 75 languages together take seconds and a great deal of memory.
DETECTABLE = (
    "de", "en", "fa", "ar", "fr", "es", "it", "ru", "zh", "tr", "ur", "pt", "nl", "pl", "uk", "ja", "ko", "hi", "he",
    "sv",
)

# ISO 639-1: a user may name any of these with -s/--source-lang even where xling cannot detect it (NLLB covers many).
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
            "pass it with --source-lang, e.g. --source-lang el."
        )
    return found.iso_code_639_1.name.lower()


# --- per-paragraph language ---------------------------------------------------------------------------------------
# A paragraph may be in another language than its document (a German article quoting a Persian paragraph). Language
# ID errs on short text (a name, a title, a URL), so a paragraph is decided by lingua alone only when it has enough
# letters and lingua is clear about it. Any other paragraph takes the language of the decided paragraphs on both
# sides when they agree and fit its script. Failing that, a paragraph in the document language's script takes the
# document's language; one in another script (Persian in a German article) cannot be in it, and takes the language
# its script has elsewhere in the document, or lingua's best guess within that script if lingua leans to one. Not
# for Latin: half the detectable languages share it, and a short Latin line in a Persian article is mostly a name,
# an acronym or a URL, which the document's model copies (lingua would also load all its short-text models for it).

SCRIPT_OF = {"fa": "Arabic", "ar": "Arabic", "ur": "Arabic", "ru": "Cyrillic", "uk": "Cyrillic", "zh": "CJK",
             "ja": "CJK", "ko": "CJK", "hi": "Devanagari", "he": "Hebrew"}  # every other detectable one is Latin
_SCRIPT_LETTERS = {
    "Latin": "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
    # Letters only: Arabic-script digits and punctuation (٠-٩ ۰-۹ ، ؛ ؟) say nothing about the language.
    "Arabic": "\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc",
    "Cyrillic": "\u0400-\u0481\u048a-\u052f",
    "Hebrew": "\u05d0-\u05ea",
    "Devanagari": "\u0904-\u0939\u0958-\u0961",
    "CJK": "\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af",
}
_SCRIPT_RUNS = {name: re.compile(f"[{chars}]+") for name, chars in _SCRIPT_LETTERS.items()}
# Letters of scripts no detectable language uses (Greek, Thai): a text mostly in them cannot be identified.
OTHER_SCRIPT = "Other"
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_NON_LATIN = re.compile("[" + "".join(v for k, v in _SCRIPT_LETTERS.items() if k != "Latin") + "]")
# lingua switches from trigrams alone to all its n-gram models below 120 letters: it is reliable from there on, and
# below it the first call loads the other models, which takes seconds and much memory. So a paragraph decides
# alone from 120 letters.
MIN_LETTERS = 120
MIN_CONFIDENCE = 0.9  # lingua's confidence values over the candidates sum to 1
# A short paragraph in another script only needs lingua to lean to one of that script's few languages.
MIN_OTHER_SCRIPT_CONFIDENCE = 0.3
_SCRIPT_SAMPLE = 300
# lingua's cost grows with the length of the text: a paragraph's head decides it, and the rare paragraph whose head
# is unclear or foreign to the document is read again whole.
_HEAD = re.compile(r"(?:[\W\d_]*[^\W\d_]){%d}" % (MIN_LETTERS + 10))


def script_of(lang: str) -> str | None:
    """The script a detectable language is written in ("Latin", "Arabic", ...); None for undetectable ones."""
    if lang not in DETECTABLE:
        return None
    return SCRIPT_OF.get(lang, "Latin")


def _script(text: str) -> tuple[str | None, int]:
    """The script most of the letters at the start of `text` are in, and how many letters that is (None, 0 if none)."""
    sample = text[:_SCRIPT_SAMPLE]
    names = _SCRIPT_RUNS if _NON_LATIN.search(sample) else {"Latin": _SCRIPT_RUNS["Latin"]}
    counts = {name: len(sample) - len(pattern.sub("", sample)) for name, pattern in names.items()}
    counts[OTHER_SCRIPT] = len(_NOT_LETTERS.sub("", sample)) - sum(counts.values())
    name = max(counts, key=counts.get)
    return (name, counts[name]) if counts[name] > 0 else (None, 0)


def _head(text: str) -> str:
    """The start of `text` up to the first space after MIN_LETTERS letters and a few more; all of a short text."""
    m = _HEAD.match(text)
    cut = text.find(" ", m.end()) if m else -1
    return text if cut < 0 or cut > len(text) - 40 else text[:cut]


def _guess(text: str) -> tuple[str | None, float]:
    """lingua's most likely language for `text` and its confidence (None, 0 when it has none)."""
    values = _detector().compute_language_confidence_values(text)
    if not values or values[0].value <= 0:
        return None, 0.0
    return values[0].language.iso_code_639_1.name.lower(), values[0].value


class _Paragraph:
    """What language ID knows about one paragraph; lingua runs only when a rule needs its answer, once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.script, self.letters = _script(text)
        self._head: tuple[str | None, float] | None = None
        self._whole: tuple[str | None, float] | None = None
        self._is_whole = False  # whether the head is all of the paragraph

    def guess(self, whole: bool = False) -> tuple[str | None, float]:
        """lingua's answer on the paragraph's head, or on all of it when asked or when the head is unclear."""
        if self._head is None:
            head = _head(self.text)
            self._head = _guess(head)
            self._is_whole = head == self.text
        if (whole or self._head[1] < MIN_CONFIDENCE) and not self._is_whole:
            if self._whole is None:
                self._whole = _guess(_sample(self.text))
            return self._whole
        return self._head

    def clear(self, main: str | None = None) -> str | None:
        """The paragraph's language if it has the letters and lingua is clear, else None; a head that is not in
        the document's language `main` (when known) is checked on the whole paragraph."""
        if self.letters < MIN_LETTERS:
            return None
        lang, confidence = self.guess()
        if main is not None and lang != main:
            lang, confidence = self.guess(whole=True)  # a foreign head may be a quotation opening the paragraph
        return lang if lang and script_of(lang) == self.script and confidence >= MIN_CONFIDENCE else None

    def lean(self) -> str | None:
        """The language lingua leans to for a short paragraph in another script than the document's, or None."""
        lang, confidence = self.guess()
        return lang if lang and script_of(lang) == self.script and confidence >= MIN_OTHER_SCRIPT_CONFIDENCE else None


def paragraph_languages(paragraphs: list[str], name: str = "the text", progress: Any = None) -> tuple[str, list[str]]:
    """The main language of a text given as paragraphs (by share of characters) and the language of each paragraph.

    InputError (as detect_language) if the main language cannot be identified. `progress`, a tqdm-like bar, is
    advanced by one per paragraph read.
    """
    memo: dict[str, _Paragraph] = {}
    for text in paragraphs:
        if text not in memo:  # repeated paragraphs (copied bodies, menus) are read once
            memo[text] = _Paragraph(text)
    paras = [memo[text] for text in paragraphs]
    by_script: dict[str, int] = {}
    for p in paras:
        if p.script:
            by_script[p.script] = by_script.get(p.script, 0) + p.letters
    main_script = max(by_script, key=by_script.get) if by_script else None
    share: dict[str, int] = {}
    for p in paras:
        lang = p.clear() if p.script == main_script else None
        if lang:
            share[lang] = share.get(lang, 0) + len(p.text)
        if progress is not None:
            progress.update(1)
    if share:
        main = max(share, key=share.get)
    else:  # no paragraph is clear alone (short lines): the text as a whole decides, as it did before
        main = detect_language("\n".join(p.text for p in paras if p.script == main_script), name)
    return main, _fill(paras, [p.clear(main) for p in paras], main)


def _fill(paras: list[_Paragraph], clear: list[str | None], main: str) -> list[str]:
    """Each paragraph's language: its own when clear, else by the rules above (neighbours, script, document)."""
    before: list[str | None] = []
    last = None
    for lang in clear:
        before.append(last)
        last = lang or last
    after: list[str | None] = [None] * len(clear)
    last = None
    for i in range(len(clear) - 1, -1, -1):
        after[i] = last
        last = clear[i] or last
    in_script: dict[str | None, dict[str, int]] = {}
    for p, lang in zip(paras, clear):
        if lang:
            counts = in_script.setdefault(p.script, {})
            counts[lang] = counts.get(lang, 0) + len(p.text)
    out: list[str] = []
    for i, (p, lang) in enumerate(zip(paras, clear)):
        if lang is None:
            near = before[i] if before[i] == after[i] else None
            if near and p.script in (None, script_of(near)):
                lang = near
            elif p.script is None or p.script == script_of(main):
                lang = main
            elif p.script in in_script:
                counts = in_script[p.script]
                lang = max(counts, key=counts.get)
            else:
                lang = (p.lean() if p.script not in ("Latin", OTHER_SCRIPT) else None) or main
        out.append(lang)
    return out


# English names of the languages xling's users meet most, for messages and the report.
LANG_NAMES = {"de": "German", "en": "English", "fa": "Persian", "fr": "French", "es": "Spanish", "ru": "Russian",
              "ar": "Arabic", "zh": "Chinese", "tr": "Turkish", "it": "Italian"}
