"""The Translator on tiny random models: order, splitting, determinism, streaming, documents, cache hook."""

from __future__ import annotations

import random
import warnings

import pytest

from translate.errors import InputError
from translate.splitting import split_to_fit
from translate.translator import RandomModelWarning, Translator

GERMAN = [
    "Kuba und China arbeiten zusammen.",
    "Der Minister traf sich in Peking mit seinem Amtskollegen.",
    "Ja.",
    "Die Gemeinschaft der gemeinsamen Zukunft wurde mehrfach erwähnt, auch in der Erklärung der beiden Minister.",
    "Sicherheit",
    "Xi Jinping reiste nach Kasachstan und Usbekistan.",
    "Beide Seiten wollen die Zusammenarbeit bei der Strafverfolgung vertiefen.",
    "Am Ende des Treffens wurde ein Abkommen unterzeichnet.",
]


def make(model_dir, source="de", **kwargs) -> Translator:
    """A Translator on a fixture model, without the expected fixture warning."""
    kwargs.setdefault("beam", 2)
    kwargs.setdefault("backend", "hf")
    kwargs.setdefault("max_length", 64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RandomModelWarning)
        return Translator(source, model=str(model_dir), **kwargs)


class Recorder:
    """Wraps a backend's translate_batch to record every batch the model sees."""

    def __init__(self, translator: Translator) -> None:
        self.batches: list[list[str]] = []
        self._inner = translator.backend.translate_batch
        translator.backend.translate_batch = self

    def __call__(self, texts, **kwargs):
        self.batches.append(list(texts))
        return self._inner(texts, **kwargs)

    @property
    def seen(self) -> list[str]:
        return [t for b in self.batches for t in b]


@pytest.fixture(scope="module")
def marian(tiny_marian_dir) -> Translator:
    return make(tiny_marian_dir, batch_size=3)


def test_fixture_model_warns_loudly(tiny_marian_dir):
    with pytest.warns(RandomModelWarning, match="NOT a translation"):
        Translator("de", model=str(tiny_marian_dir), max_length=16)


def test_backend_is_reported(marian, tiny_marian_dir):
    assert marian.backend_name == "hf"
    assert marian.decoding_options["backend"] == "hf"
    from translate.backends import AUTO_ORDER

    with pytest.warns(RandomModelWarning):
        auto = Translator("de", model=str(tiny_marian_dir), max_length=16)
    assert auto.backend_name in AUTO_ORDER


def test_outputs_follow_input_order_whatever_the_batching(tiny_marian_dir):
    whole = make(tiny_marian_dir, batch_size=64)
    reference = whole.translate(GERMAN)
    assert len(set(reference)) > 3, "the fixture must give different outputs for different inputs"
    order = list(range(len(GERMAN)))
    random.Random(7).shuffle(order)
    shuffled = [GERMAN[i] for i in order]
    small = make(tiny_marian_dir, batch_size=2)
    recorder = Recorder(small)
    out = small.translate(shuffled)
    assert out == [reference[i] for i in order]
    assert len(recorder.batches) == 4
    # Batches are length-sorted: each batch's inputs are no longer than the previous batch's shortest.
    counts = [small.backend.count_tokens(b) for b in recorder.batches]
    assert all(min(a) >= max(b) for a, b in zip(counts, counts[1:]))


def test_blank_inputs_give_blank_outputs_without_the_model(marian):
    recorder = Recorder(marian)
    out = marian.translate(["", GERMAN[0], "   ", GERMAN[1], ""])
    assert out[0] == out[2] == out[4] == ""
    assert out[1] and out[3]
    assert "" not in recorder.seen and "   " not in recorder.seen
    assert marian.translate([]) == []
    marian.backend.translate_batch = recorder._inner


def test_repeated_sentences_are_translated_once(marian):
    recorder = Recorder(marian)
    out = marian.translate([GERMAN[0], GERMAN[1], GERMAN[0], GERMAN[0]])
    assert out[0] == out[2] == out[3]
    assert sorted(recorder.seen) == sorted([GERMAN[0], GERMAN[1]])
    marian.backend.translate_batch = recorder._inner


def test_deterministic_across_loads(tiny_marian_dir, tiny_nllb_dir):
    a = make(tiny_marian_dir).translate(GERMAN)
    b = make(tiny_marian_dir).translate(GERMAN)
    assert a == b
    persian = ["شی جین‌پینگ با دیاز-کانل دیدار کرد.", "چین و کوبا همکاری می‌کنند."]
    assert make(tiny_nllb_dir, "fa").translate(persian) == make(tiny_nllb_dir, "fa").translate(persian)


def test_long_sentence_is_split_into_fitting_pieces_all_translated(tiny_marian_dir):
    tr = make(tiny_marian_dir, max_length=16, batch_size=4)
    long = ("Kuba und China vertiefen ihre Zusammenarbeit bei der Sicherheit; der Minister sprach über Terrorismus, "
            "Drogenhandel und Cyberkriminalität: beide Seiten wollen Informationen austauschen, gemeinsame "
            "Ausbildung anbieten und die Polizei stärken, aber auch die Justiz einbinden — so hieß es in Peking")
    assert tr.backend.count_tokens([long])[0] > 3 * tr.input_limit
    recorder = Recorder(tr)
    out = tr.translate([GERMAN[0], long])
    pieces = split_to_fit(long, tr.backend.count_tokens, tr.input_limit)
    assert sorted(p for p in recorder.seen if p != GERMAN[0]) == sorted(pieces)  # every piece went to the model
    assert len(pieces) >= 3
    assert all(n <= tr.input_limit for n in tr.backend.count_tokens(pieces))
    # Nothing is lost: the pieces, in order, are the whole sentence.
    assert "".join(pieces).replace(" ", "") == long.replace(" ", "")
    assert len(out) == 2 and out[1]
    # The joined output holds every piece's translation.
    single = make(tiny_marian_dir, max_length=16).translate(pieces)
    assert out[1] == " ".join(s for s in single if s)


def test_split_prefers_clause_boundaries():
    def words(texts):
        return [len(t.split()) for t in texts]

    text = "eins zwei drei vier; fünf sechs sieben acht, neun zehn elf zwölf"
    assert split_to_fit(text, words, 4) == ["eins zwei drei vier;", "fünf sechs sieben acht,", "neun zehn elf zwölf"]
    assert split_to_fit("kurz genug", words, 4) == ["kurz genug"]
    chars = split_to_fit("x" * 50, lambda ts: [len(t) for t in ts], 8)
    assert "".join(chars) == "x" * 50 and all(len(c) <= 8 for c in chars)


def test_translate_stream_pulls_lazily(marian):
    pulled = []

    def source():
        for i in range(40):
            pulled.append(i)
            yield GERMAN[i % len(GERMAN)]

    stream = marian.translate_stream(source(), batch_size=2)
    assert pulled == []  # nothing is read before the first output is asked for
    first = [next(stream) for _ in range(3)]
    window = 2 * 8
    assert len(pulled) == window
    assert first == marian.translate(GERMAN[:3])
    rest = list(stream)
    assert len(first) + len(rest) == 40 and len(pulled) == 40
    expected = marian.translate(GERMAN)
    assert first + rest == [expected[i % len(GERMAN)] for i in range(40)]


def test_translate_document_gives_one_string_per_sentence(marian, seeds_dir):
    from translate.prepare import load_document

    doc = load_document(seeds_dir / "001_2959add6671d93e8.txt")
    recorder = Recorder(marian)
    out = marian.translate_document(doc)
    assert len(out) == len(doc.sentences)
    assert len(recorder.seen) == len(set(recorder.seen))  # the repeated body is not translated twice
    marian.backend.translate_batch = recorder._inner


def test_nllb_translates_persian(tiny_nllb_dir, seeds_dir):
    from translate.prepare import load_document

    doc = load_document(seeds_dir / "003_25baae2a21a7165f.txt")
    tr = make(tiny_nllb_dir, doc.lang)
    assert tr.resolved.kind == "nllb" and tr.source == "fa"
    assert len(tr.translate_document(doc)) == len(doc.sentences)


class DictCache:
    """An in-memory stand-in with the TranslationCache interface."""

    def __init__(self):
        self.rows: dict = {}

    def get_many(self, model, options, texts):
        key = (model, repr(sorted(options.items())))
        return {i: self.rows[key, t] for i, t in enumerate(texts) if (key, t) in self.rows}

    def put_many(self, model, options, pairs):
        key = (model, repr(sorted(options.items())))
        for src, tgt in pairs:
            self.rows[key, src] = tgt


def test_cache_hook_skips_cached_sentences(tiny_marian_dir):
    cache = DictCache()
    tr = make(tiny_marian_dir, cache=cache)
    first = tr.translate(GERMAN[:4])
    recorder = Recorder(tr)
    assert tr.translate(GERMAN[:5]) == first + tr.translate([GERMAN[4]])
    assert recorder.seen == [GERMAN[4]]
    model, options, digest = tr.cache_key(GERMAN[0])
    assert tr.resolved.revision in model and '"beam":2' in options and len(digest) == 64
    # A different decoding option is a different key.
    assert make(tiny_marian_dir, beam=3).cache_key(GERMAN[0]) != tr.cache_key(GERMAN[0])


def test_same_source_and_target_is_refused(tiny_marian_dir):
    with pytest.raises(InputError):
        Translator("en", "en", model=str(tiny_marian_dir))


def test_pair_name_as_model_means_the_registry_model(tmp_path, monkeypatch):
    from translate.errors import ModelNotFoundError

    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError, match="Helsinki-NLP/opus-mt-de-en"):
        Translator("de", model="de-en")
    with pytest.raises(ModelNotFoundError, match="facebook/nllb-200-distilled-600M"):
        Translator("fa")
