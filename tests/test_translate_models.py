"""Model registry and resolution: local folders, the Hugging Face cache layout, offline mode, missing weights."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from translate.errors import InputError, ModelNotFoundError
from translate.models import (
    cache_repo_dir,
    hub_cache_dir,
    is_local_ref,
    missing_files,
    model_kind,
    resolve_model,
)
from translate.registry import NLLB_CODES, NLLB_MODEL, default_model, looks_like_pair, nllb_code, parse_pair

FAKE_COMMIT = "0123456789abcdef0123456789abcdef01234567"


def install_in_hf_cache(model_dir: Path, hf_home: Path, model_id: str, commit: str = FAKE_COMMIT) -> Path:
    """Lay out a model folder the way huggingface_hub caches a download: refs/main -> snapshots/<commit>."""
    repo = hf_home / "hub" / ("models--" + model_id.replace("/", "--"))
    snapshot = repo / "snapshots" / commit
    shutil.copytree(model_dir, snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot


# ---------------------------------------------------------------------------------------------------------------
# Registry


def test_default_models_per_pair():
    assert default_model("de", "en") == "Helsinki-NLP/opus-mt-de-en"
    assert default_model("fa", "en") == NLLB_MODEL
    assert default_model("ru", "en") == NLLB_MODEL
    assert default_model("en", "fr") == NLLB_MODEL


def test_nllb_codes_cover_many_languages_in_the_tokenizer_list():
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    assert len(NLLB_CODES) >= 40
    assert set(NLLB_CODES.values()) <= set(FAIRSEQ_LANGUAGE_CODES)
    assert nllb_code("fa") == "pes_Arab" and nllb_code("DE") == "deu_Latn" and nllb_code("zh-CN") == "zho_Hans"


@pytest.mark.parametrize("bad", ["xx-en", "de", "de-de", "de-en-fr", "-en"])
def test_bad_pairs_are_input_errors(bad):
    with pytest.raises(InputError):
        parse_pair(bad)


def test_unknown_language_is_input_error():
    with pytest.raises(InputError):
        default_model("qq", "en")
    with pytest.raises(InputError):
        default_model("en", "en")


def test_pair_detection():
    assert looks_like_pair("de-en") and looks_like_pair("fa-en")
    assert not looks_like_pair("Helsinki-NLP/opus-mt-de-en") and not looks_like_pair("./de-en/")


# ---------------------------------------------------------------------------------------------------------------
# Resolution


def test_local_folder_resolves_with_kind_and_fixture_flag(tiny_marian_dir, tiny_nllb_dir):
    marian = resolve_model(str(tiny_marian_dir))
    nllb = resolve_model(str(tiny_nllb_dir))
    assert (marian.kind, nllb.kind) == ("marian", "nllb")
    assert marian.path == tiny_marian_dir.resolve() and marian.is_fixture and nllb.is_fixture
    assert marian.revision.startswith("local-") and marian.revision != nllb.revision
    assert marian.model_id == str(tiny_marian_dir.resolve())
    # The fingerprint is stable across calls, so cache keys stay valid between runs.
    assert resolve_model(str(tiny_marian_dir)).revision == marian.revision


def test_hf_cache_layout_is_found_offline(tiny_marian_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    snapshot = install_in_hf_cache(tiny_marian_dir, tmp_path / "hf", "xling-test/tiny-marian")
    found = resolve_model("xling-test/tiny-marian")
    assert found.path == snapshot and found.revision == FAKE_COMMIT and found.kind == "marian"
    assert found.model_id == "xling-test/tiny-marian"
    assert hub_cache_dir() == tmp_path / "hf" / "hub"


def test_hf_hub_cache_variable_wins_over_hf_home(tiny_nllb_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    install_in_hf_cache(tiny_nllb_dir, tmp_path / "hf", "xling-test/tiny-nllb")
    assert resolve_model("xling-test/tiny-nllb", download=False).kind == "nllb"


def test_missing_hub_model_offline_names_model_cache_and_command(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError) as info:
        resolve_model("Helsinki-NLP/opus-mt-de-en", pair="de-en")
    message = str(info.value)
    assert "\n" not in message
    assert "Helsinki-NLP/opus-mt-de-en" in message
    assert str(cache_repo_dir("Helsinki-NLP/opus-mt-de-en")) in message
    assert "xling models pull de-en" in message
    # Without a pair the hint names the model id instead.
    with pytest.raises(ModelNotFoundError, match="xling models pull --model Helsinki-NLP/opus-mt-de-en"):
        resolve_model("Helsinki-NLP/opus-mt-de-en", download=False)


def test_partial_cache_snapshot_is_reported_missing(tiny_marian_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    snapshot = install_in_hf_cache(tiny_marian_dir, tmp_path / "hf", "xling-test/partial")
    (snapshot / "model.safetensors").unlink()
    with pytest.raises(ModelNotFoundError, match="model.safetensors"):
        resolve_model("xling-test/partial", download=False)


@pytest.mark.parametrize("remove", ["model.safetensors", "source.spm", "vocab.json", "config.json"])
def test_incomplete_local_folder_names_the_missing_file(tiny_marian_dir, tmp_path, remove):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_marian_dir, broken)
    (broken / remove).unlink()
    with pytest.raises(ModelNotFoundError) as info:
        resolve_model(str(broken))
    assert remove in str(info.value) and str(broken) in str(info.value)
    assert missing_files(broken)


def test_nonexistent_folder_is_model_not_found(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve_model(str(tmp_path / "nope"))
    assert is_local_ref(str(tmp_path / "nope")) and not is_local_ref("org/name")


def test_unsupported_model_type_is_input_error(tiny_marian_dir, tmp_path):
    other = tmp_path / "bert"
    shutil.copytree(tiny_marian_dir, other)
    (other / "config.json").write_text('{"model_type": "bert"}')
    with pytest.raises(InputError, match="bert"):
        model_kind(other)


def test_importing_translate_does_not_load_torch():
    import subprocess
    import sys

    code = ("import sys, translate, translate.registry, translate.models, xling.commands.translate_cmd; "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules; "
            "assert callable(translate.Translator)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize("repo_files, wants_bin", [(["model.safetensors", "pytorch_model.bin"], False),
                                                    (["pytorch_model.bin", "tf_model.h5"], True)])
def test_pull_prefers_safetensors_and_fails_cleanly(monkeypatch, tmp_path, repo_files, wants_bin):
    import types

    import huggingface_hub

    from translate.models import pull_model

    from translate import models

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setattr(models, "_UNREACHABLE", {})  # the process's memory of a dead hub stays in this test
    calls = {}

    class FakeApi:
        def model_info(self, model_id, timeout=None):
            return types.SimpleNamespace(siblings=[types.SimpleNamespace(rfilename=f) for f in repo_files], sha="x")

    def fake_snapshot_download(model_id, cache_dir=None, allow_patterns=None, **kwargs):
        calls.update(model_id=model_id, cache_dir=cache_dir, patterns=allow_patterns)
        return str(tmp_path / "snap")

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    assert pull_model("org/model") == tmp_path / "snap"
    assert calls["cache_dir"] == tmp_path / "hf" / "hub"
    assert ("pytorch_model*.bin*" in calls["patterns"]) == wants_bin
    assert "*.safetensors" in calls["patterns"] and not any("h5" in p for p in calls["patterns"])

    class DownApi:
        def model_info(self, model_id, timeout=None):
            raise ConnectionError("Name or service not known")

    monkeypatch.setattr(huggingface_hub, "HfApi", DownApi)
    with pytest.raises(ModelNotFoundError) as info:
        pull_model("org/model")
    assert "network is unreachable" in str(info.value) and "Name or service not known" in str(info.value)

    class NoRepoApi:
        def model_info(self, model_id, timeout=None):
            raise ValueError("Repository Not Found")

    monkeypatch.setattr(models, "_UNREACHABLE", {})
    monkeypatch.setattr(huggingface_hub, "HfApi", NoRepoApi)
    with pytest.raises(ModelNotFoundError) as info:  # the hub answered: not a network problem
        pull_model("org/model")
    assert "Repository Not Found" in str(info.value) and "xling models pull --model org/model" in str(info.value)
