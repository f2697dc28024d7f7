"""The CTranslate2 backend: same tokens as transformers in float32, conversion cached and concurrency-safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")

from translate import ct2_backend  # noqa: E402
from translate.ct2_backend import CT2Backend, ConversionError, converted_model, model_identity  # noqa: E402

SENTENCES = [
    "Der kubanische Innenminister traf seinen chinesischen Amtskollegen in Peking.",
    "Xi Jinping reiste nach Kasachstan.",
    "Hallo",
    "Die Zusammenarbeit zwischen China und Kuba im Bereich der Sicherheit wird vertieft, sagte er am Montag.",
    "Die Zusammenarbeit zwischen China und Kuba im Bereich der Sicherheit.",
]


@pytest.fixture(scope="module")
def models(tiny_marian_dir, tiny_nllb_dir) -> dict[str, Path]:
    """The session's tiny random Marian and NLLB models (test fixtures: their output is not a translation)."""
    return {"marian": tiny_marian_dir, "nllb": tiny_nllb_dir}


@pytest.fixture(scope="module")
def ct2_root(tmp_path_factory) -> Path:
    """A private conversion cache so tests never touch the user's HF cache."""
    return tmp_path_factory.mktemp("ct2-cache")


def _hf_ids(backend, texts: list[str], max_new_tokens: int) -> list[list[int]]:
    """Greedy transformers output ids without the decoder start, forced language token and special tokens."""
    import torch

    inputs = backend.tokenizer(texts, return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = backend.model.generate(**inputs, num_beams=1, do_sample=False, max_new_tokens=max_new_tokens,
                                     max_length=None, **backend._generate_extra)
    special = set(backend.tokenizer.all_special_ids)
    return [[i for i in row if i not in special] for row in out.tolist()]


@pytest.mark.parametrize("kind", ["marian", "nllb"])
def test_float32_greedy_equals_transformers_token_for_token(models, ct2_root, kind):
    from translate.hf_backend import HFBackend

    hf = HFBackend(models[kind], kind, device="cpu", source="de", target="en")
    ct2 = CT2Backend(models[kind], kind, device="cpu", source="de", target="en", quantization="float32",
                     cache_root=ct2_root)
    assert ct2.compute_type == "float32"
    special = set(ct2.tokenizer.all_special_ids)
    ct2_ids = [[i for i in row if i not in special] for row in ct2.generate_ids(SENTENCES, beam=1, max_new_tokens=30)]
    hf_ids = _hf_ids(hf, SENTENCES, 30)
    assert ct2_ids == hf_ids
    assert len({tuple(r) for r in hf_ids}) > 2, "the fixture should give different outputs for different inputs"
    # The backends' own entry points agree too, with their shared output budget, greedy and with beam search.
    for beam in (1, 4):
        assert ct2.translate_batch(SENTENCES, beam=beam) == hf.translate_batch(SENTENCES, beam=beam)


def test_conversion_is_cached_and_not_repeated(models, ct2_root, monkeypatch):
    first = CT2Backend(models["marian"], "marian", device="cpu", quantization="float32", cache_root=ct2_root)
    assert first.path.parent == ct2_root and first.path.name.endswith("--float32")
    assert (first.path / "model.bin").exists()

    class Refuse:
        def __init__(self, *a, **k):
            raise AssertionError("the model was converted a second time")

    monkeypatch.setattr("ctranslate2.converters.TransformersConverter", Refuse)
    second = CT2Backend(models["marian"], "marian", device="cpu", quantization="float32", cache_root=ct2_root)
    assert second.path == first.path
    assert second.translate_batch(SENTENCES[:2], beam=1) == first.translate_batch(SENTENCES[:2], beam=1)
    assert not [p for p in ct2_root.iterdir() if p.name.startswith(".")], "a temporary folder was left behind"


def test_losing_a_conversion_race_keeps_the_winners_copy(models, tmp_path, monkeypatch):
    import shutil

    import ctranslate2.converters

    real = ctranslate2.converters.TransformersConverter
    final = {}

    class OtherProcessWinsFirst(real):
        def convert(self, output_dir, **kwargs):
            out = super().convert(output_dir, **kwargs)
            # Another process finishes the same conversion while this one is still writing.
            winner = tmp_path / final["name"]
            shutil.copytree(out, winner)
            (winner / "winner").write_text("yes")
            return out

    name, revision = model_identity(models["marian"])
    final["name"] = f"{name}--{revision}--float32"
    monkeypatch.setattr("ctranslate2.converters.TransformersConverter", OtherProcessWinsFirst)
    path = converted_model(models["marian"], "float32", tmp_path)
    assert path == tmp_path / final["name"] and (path / "winner").exists()
    assert [p.name for p in tmp_path.iterdir()] == [final["name"]], "the loser's temporary copy was left behind"


def test_int8_is_the_cpu_default(models, ct2_root):
    backend = CT2Backend(models["nllb"], "nllb", device="cpu", source="fa", target="en", cache_root=ct2_root)
    assert backend.quantization == "int8" and backend.compute_type.startswith("int8")
    assert backend.path.name.endswith("--int8")
    out = backend.translate_batch(SENTENCES, beam=2)
    assert len(out) == len(SENTENCES) and all(isinstance(t, str) for t in out)
    assert backend.signature == {"backend": "ct2", "compute_type": backend.compute_type}


def test_hub_snapshot_identity_is_repo_and_commit_with_the_content_fingerprint(tmp_path):
    from translate.fingerprint import model_fingerprint

    snap = tmp_path / "hub" / "models--Helsinki-NLP--opus-mt-de-en" / "snapshots" / ("a" * 40)
    snap.mkdir(parents=True)
    (snap / "config.json").write_text("{}")
    assert model_identity(snap) == ("Helsinki-NLP--opus-mt-de-en", f"{'a' * 40}-{model_fingerprint(snap)}")


def test_conversion_root_sits_beside_the_hf_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("XLING_CT2_DIR", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert ct2_backend.ct2_cache_root() == tmp_path / "hf" / "xling-ct2"
    monkeypatch.setenv("XLING_CT2_DIR", str(tmp_path / "mine"))
    assert ct2_backend.ct2_cache_root() == tmp_path / "mine"


def test_failed_conversion_is_a_conversion_error_and_leaves_nothing(models, tmp_path, monkeypatch):
    import ctranslate2.converters

    class Unsupported(ctranslate2.converters.TransformersConverter):
        def _load(self):
            raise ValueError("No conversion is registered for the model configuration FancyConfig\nmore detail")

    monkeypatch.setattr("ctranslate2.converters.TransformersConverter", Unsupported)
    with pytest.raises(ConversionError, match=r"^Cannot convert .*FancyConfig$"):
        converted_model(models["marian"], "int8", tmp_path / "ct2")
    assert not list((tmp_path / "ct2").iterdir()), "a failed conversion left files behind"


def test_loading_a_converted_model_does_not_import_torch(models, ct2_root):
    import subprocess
    import sys

    CT2Backend(models["nllb"], "nllb", device="cpu", source="de", cache_root=ct2_root)  # converted here
    code = ("import sys; from translate.ct2_backend import CT2Backend; "
            f"b = CT2Backend({str(models['nllb'])!r}, 'nllb', device='cpu', source='de', cache_root={str(ct2_root)!r}); "
            "b.translate_batch(['Guten Tag.'], beam=1); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "False", "torch's memory would count against CTranslate2's footprint"


def test_auto_prefers_ct2_and_falls_back_to_hf_saying_why(models, monkeypatch, capsys):
    from translate.backends import load_backend

    auto = load_backend("auto", models["marian"], "marian", "cpu", source="de", target="en")
    assert auto.name == "ct2" and auto.compute_type.startswith("int8")

    def cannot(*args, **kwargs):
        raise ConversionError("Cannot convert the model to CTranslate2: No conversion is registered for FancyConfig")

    monkeypatch.setattr(ct2_backend, "converted_model", cannot)
    capsys.readouterr()
    fallback = load_backend("auto", models["marian"], "marian", "cpu", source="de", target="en")
    assert fallback.name == "hf"
    err = capsys.readouterr().err
    assert "backend ct2 unavailable" in err and "FancyConfig" in err


def test_cli_backend_ct2_translates_with_the_cache(models, seeds_dir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from xling.cli import main

    monkeypatch.setenv("XLING_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "de.txt"
    src.write_text("Der Minister reiste nach Peking.\n\nXi traf seinen Amtskollegen in Astana.\n", encoding="utf-8")
    args = ["translate", str(src), "--model", str(models["marian"]), "--backend", "ct2", "--beam", "1",
            "--max-length", "24"]
    first = CliRunner().invoke(main, args, catch_exceptions=False)
    assert first.exit_code == 0, first.stderr
    assert "backend: ct2" in first.stderr and len(first.stdout.splitlines()) == 2
    stats = CliRunner().invoke(main, ["cache", "stats", "--json"])
    (model_key, entries), = json.loads(stats.stdout)["models"].items()
    assert entries == 2 and model_key.endswith(("@" + model_identity(models["marian"])[1]))
    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert again.stdout == first.stdout
    no_cache = CliRunner().invoke(main, [*args, "--no-cache"], catch_exceptions=False)
    assert no_cache.stdout == first.stdout


def test_unwritable_conversion_folder_is_a_conversion_error(models, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConversionError, match="XLING_CT2_DIR"):
        converted_model(models["marian"], "int8", blocker / "ct2")  # a folder inside a file cannot exist


class _CountingTranslator:
    """Wraps a ctranslate2.Translator, counting its decode calls and the target tokens each decodes."""

    def __init__(self, translator):
        self.translator, self.calls, self.decoded = translator, 0, 0

    def translate_batch(self, source, **kwargs):
        self.calls += 1
        results = self.translator.translate_batch(source, **kwargs)
        self.decoded += sum(len(r.hypotheses[0]) for r in results)
        return results


# Lengths chosen so the batch holds several output budgets (2 x tokens + 16), the longest within the fixture's
# 128 positions; the random fixture rarely emits </s>, so most outputs run to their budget: the worst case.
RUNAWAY_BATCH = [
    "Der kubanische Innenminister traf seinen chinesischen Amtskollegen in Peking.",
    "Xi Jinping reiste nach Kasachstan.",
    "Hallo",
    "Die Zusammenarbeit zwischen China und Kuba im Bereich der Sicherheit wird vertieft, sagte er am Montag.",
    "Die Zusammenarbeit zwischen China und Kuba.",
]
MAX_LENGTH = 40  # caps the longest budgets: shorter decodes, the same cases


def _budgets(backend, texts: list[str]) -> list[int]:
    return [ct2_backend.output_budget(n, MAX_LENGTH, backend._positions) for n in backend.count_tokens(texts)]


@pytest.mark.parametrize("kind", ["marian", "nllb"])
def test_greedy_decodes_each_sentence_once(models, ct2_root, kind):
    backend = CT2Backend(models[kind], kind, device="cpu", source="de", target="en", quantization="float32",
                         cache_root=ct2_root)
    budgets = _budgets(backend, RUNAWAY_BATCH)
    alone_ids = [backend.generate_ids([t], beam=1, max_new_tokens=b, eos_at_limit=True)[0]
                 for t, b in zip(RUNAWAY_BATCH, budgets)]
    alone = [backend.translate_batch([text], beam=1, max_length=MAX_LENGTH)[0] for text in RUNAWAY_BATCH]
    top = max(budgets)
    assert len(set(budgets)) >= 3
    assert sum(b < top and len(row) == backend._content_limit(b) for row, b in zip(alone_ids, budgets)) >= 2, \
        "the fixture should run outputs below the batch's budget to their own budget"

    counter = backend.translator = _CountingTranslator(backend.translator)
    assert backend.translate_batch(RUNAWAY_BATCH, beam=1, max_length=MAX_LENGTH) == alone, \
        "an output must not depend on its batch-mates"
    prefix = 1 if kind == "nllb" else 0  # the language token CTranslate2 returns and xling drops
    assert counter.calls == 1, "greedy decoding needs no second pass"
    assert counter.decoded <= len(RUNAWAY_BATCH) * (backend._content_limit(top) + prefix)


def test_beam_search_decodes_again_only_what_a_second_pass_can_change(models, ct2_root):
    backend = CT2Backend(models["marian"], "marian", device="cpu", quantization="float32", cache_root=ct2_root)
    budgets = _budgets(backend, RUNAWAY_BATCH)
    alone_ids = [backend.generate_ids([t], beam=2, max_new_tokens=b, eos_at_limit=True)[0]
                 for t, b in zip(RUNAWAY_BATCH, budgets)]
    alone = backend.tokenizer.batch_decode(alone_ids, skip_special_tokens=True)
    top = max(budgets)
    lower = {b for row, b in zip(alone_ids, budgets) if b < top and len(row) == backend._content_limit(b)}
    assert lower, "the fixture should run an output below the batch's budget to its own budget"

    counter = backend.translator = _CountingTranslator(backend.translator)
    assert backend.translate_batch(RUNAWAY_BATCH, beam=2, max_length=MAX_LENGTH) == [t.strip() for t in alone]
    # One first pass over the batch, then one call per lower budget that a runaway output reached.
    assert counter.calls == 1 + len(lower)
    assert counter.decoded <= sum(len(row) for row in alone_ids) + top * len(RUNAWAY_BATCH)

    # Sentences sharing the batch's budget are never decoded again, however long their outputs run.
    same = [t for t, b in zip(RUNAWAY_BATCH, budgets) if b == top] * 3
    counter.calls = 0
    backend.translate_batch(same, beam=2, max_length=MAX_LENGTH)
    assert counter.calls == 1
