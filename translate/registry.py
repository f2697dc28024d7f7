"""Which model translates which language pair, and the language codes NLLB expects."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from translate.errors import InputError

NLLB_MODEL = "facebook/nllb-200-distilled-600M"

# Pairs with a dedicated model; every other pair of languages in NLLB_CODES goes to NLLB.
DEFAULT_MODELS: dict[tuple[str, str], str] = {
    ("de", "en"): "Helsinki-NLP/opus-mt-de-en",
    ("fa", "en"): NLLB_MODEL,
}

# ISO 639-1 -> NLLB-200 (FLORES-200) code. Macro-languages map to the variety NLLB was trained on
# (fa -> Western Persian, ar -> Modern Standard Arabic, zh -> Simplified Chinese, ms -> Standard Malay).
NLLB_CODES: dict[str, str] = {
    "af": "afr_Latn", "am": "amh_Ethi", "ar": "arb_Arab", "az": "azj_Latn", "be": "bel_Cyrl",
    "bg": "bul_Cyrl", "bn": "ben_Beng", "bs": "bos_Latn", "ca": "cat_Latn", "cs": "ces_Latn",
    "cy": "cym_Latn", "da": "dan_Latn", "de": "deu_Latn", "el": "ell_Grek", "en": "eng_Latn",
    "eo": "epo_Latn", "es": "spa_Latn", "et": "est_Latn", "eu": "eus_Latn", "fa": "pes_Arab",
    "fi": "fin_Latn", "fr": "fra_Latn", "ga": "gle_Latn", "gl": "glg_Latn", "gu": "guj_Gujr",
    "ha": "hau_Latn", "he": "heb_Hebr", "hi": "hin_Deva", "hr": "hrv_Latn", "hu": "hun_Latn",
    "hy": "hye_Armn", "id": "ind_Latn", "ig": "ibo_Latn", "is": "isl_Latn", "it": "ita_Latn",
    "ja": "jpn_Jpan", "jv": "jav_Latn", "ka": "kat_Geor", "kk": "kaz_Cyrl", "km": "khm_Khmr",
    "kn": "kan_Knda", "ko": "kor_Hang", "ky": "kir_Cyrl", "lo": "lao_Laoo", "lt": "lit_Latn",
    "lv": "lvs_Latn", "mk": "mkd_Cyrl", "ml": "mal_Mlym", "mn": "khk_Cyrl", "mr": "mar_Deva",
    "ms": "zsm_Latn", "mt": "mlt_Latn", "my": "mya_Mymr", "ne": "npi_Deva", "nl": "nld_Latn",
    "nb": "nob_Latn", "nn": "nno_Latn", "no": "nob_Latn", "pa": "pan_Guru", "pl": "pol_Latn",
    "ps": "pbt_Arab", "pt": "por_Latn", "ro": "ron_Latn", "ru": "rus_Cyrl", "si": "sin_Sinh",
    "sk": "slk_Latn", "sl": "slv_Latn", "so": "som_Latn", "sq": "als_Latn", "sr": "srp_Cyrl",
    "sv": "swe_Latn", "sw": "swh_Latn", "ta": "tam_Taml", "te": "tel_Telu", "tg": "tgk_Cyrl",
    "th": "tha_Thai", "tk": "tuk_Latn", "tl": "tgl_Latn", "tr": "tur_Latn", "tt": "tat_Cyrl",
    "ug": "uig_Arab", "uk": "ukr_Cyrl", "ur": "urd_Arab", "uz": "uzn_Latn", "vi": "vie_Latn",
    "xh": "xho_Latn", "yi": "ydd_Hebr", "yo": "yor_Latn", "zh": "zho_Hans", "zu": "zul_Latn",
}


@dataclass(frozen=True)
class PairSpec:
    """A language pair and the model the registry assigns to it."""

    source: str
    target: str
    model: str

    @property
    def name(self) -> str:
        """The pair as written on the command line, e.g. "de-en"."""
        return pair_name(self.source, self.target)


def normalize_lang(code: str) -> str:
    """The ISO 639-1 code for a user-given language code ("DE", "de-DE", "de_AT" -> "de")."""
    base = code.strip().lower().replace("_", "-").split("-")[0]
    if base not in NLLB_CODES:
        raise InputError(f"unknown language code {code!r}; known codes: {', '.join(sorted(NLLB_CODES))}.")
    return base


def nllb_code(lang: str) -> str:
    """The NLLB-200 code for an ISO 639-1 language code ("fa" -> "pes_Arab")."""
    return NLLB_CODES[normalize_lang(lang)]


def pair_name(source: str, target: str) -> str:
    """The canonical "src-tgt" name of a pair."""
    return f"{normalize_lang(source)}-{normalize_lang(target)}"


def parse_pair(name: str) -> tuple[str, str]:
    """Split "de-en" into ("de", "en"), checking both codes."""
    parts = name.strip().split("-")
    if len(parts) != 2 or not all(parts):
        raise InputError(f"a language pair is written SRC-TGT, like de-en, not {name!r}.")
    source, target = normalize_lang(parts[0]), normalize_lang(parts[1])
    if source == target:
        raise InputError(f"pair {name!r} has the same source and target language; there is nothing to translate.")
    return source, target


def default_model(source: str, target: str) -> str:
    """The hub id of the model the registry uses for source -> target."""
    source, target = normalize_lang(source), normalize_lang(target)
    if source == target:
        raise InputError(f"source and target are both {source!r}; there is nothing to translate.")
    return DEFAULT_MODELS.get((source, target), NLLB_MODEL)


def registered_pairs() -> list[PairSpec]:
    """The pairs with a model chosen for them (every other pair falls back to NLLB)."""
    return [PairSpec(s, t, m) for (s, t), m in DEFAULT_MODELS.items()]


def looks_like_pair(ref: str) -> bool:
    """Whether a command-line argument names a pair ("de-en") rather than a model id or folder."""
    parts = ref.strip().split("-")
    return len(parts) == 2 and all(p.lower() in NLLB_CODES for p in parts)


_OPUS_PAIR = re.compile(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})$")


def opus_languages(model_ref: str) -> tuple[str, str] | None:
    """(source, target) as an opus-mt model's name states them ("Helsinki-NLP/opus-mt-de-en" -> ("de", "en"))."""
    found = _OPUS_PAIR.search(Path(model_ref.rstrip("/")).name)
    return (found.group(1), found.group(2)) if found else None


def models_by_language(specs: Sequence[str], langs: Sequence[str]) -> dict[str, str | None]:
    """Which model translates each language: `LANG=MODEL` for one language, a bare MODEL for every language.

    A bare opus-mt model only serves its own source language (its name says which): a German model fed
    Persian would still emit English-looking words, and its scores would pass for real ones.
    """
    chosen: dict[str, str | None] = {lang: None for lang in langs}
    for spec in specs:
        lang, sep, model = spec.partition("=")
        if sep and lang in chosen:
            chosen[lang] = model
        elif sep and len(lang) <= 3 and "/" not in lang:
            continue  # a language the seeds do not have
        else:
            pair = opus_languages(spec)
            for lang in langs:
                if pair is None or pair[0] == lang:
                    chosen[lang] = spec
    return chosen
