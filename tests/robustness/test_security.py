"""Untrusted model folders: no remote code runs, safetensors are preferred, pickled weights never execute code."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import types
from pathlib import Path

import pytest
from robust_helpers import assert_clean_error, run_cli

SHORT_DE = "Kuba und China vertiefen ihre Zusammenarbeit. Die Minister trafen sich in Havanna.\n"


def _short_article(folder: Path) -> Path:
    """A two-sentence German article: enough to load and run a model, cheap to translate."""
    path = folder / "short.txt"
    path.write_text(SHORT_DE, encoding="utf-8")
    return path


def _evil_folder(src: Path, dest: Path, marker: Path) -> Path:
    """A copy of a model folder whose configs point at custom code that would create `marker` if it ever ran."""
    shutil.copytree(src, dest)
    (dest / "evil_code.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('remote code ran')\n"
        "from transformers import MarianConfig as EvilConfig, MarianMTModel as EvilModel\n"
        "from transformers import MarianTokenizer as EvilTokenizer\n"
    )
    auto_map = {"AutoConfig": "evil_code.EvilConfig", "AutoModelForSeq2SeqLM": "evil_code.EvilModel",
                "AutoTokenizer": ["evil_code.EvilTokenizer", None]}
    for name in ("config.json", "tokenizer_config.json"):
        data = json.loads((dest / name).read_text())
        data["auto_map"] = auto_map
        (dest / name).write_text(json.dumps(data))
    return dest


class _RunsCode:
    """Unpickling this runs a shell command: the payload of a malicious pytorch_model.bin."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.fixture
def recorded_loads(monkeypatch):
    """Record the keyword arguments of every from_pretrained call the backends make, then load as usual."""
    import transformers

    calls: list[tuple[str, dict]] = []
    for cls_name in ("MarianMTModel", "M2M100ForConditionalGeneration", "MarianTokenizer", "AutoTokenizer",
                     "AutoConfig", "GenerationConfig"):
        cls = getattr(transformers, cls_name)
        original = cls.from_pretrained.__func__

        def recording(klass, *args, _name=cls_name, _original=original, **kwargs):
            calls.append((_name, dict(kwargs)))
            return _original(klass, *args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", classmethod(recording))
    return calls


def test_hf_backend_loads_without_remote_code_and_from_safetensors(recorded_loads, tiny_marian_dir, tiny_nllb_dir):
    from translate.hf_backend import HFBackend

    HFBackend(tiny_marian_dir, "marian", device="cpu", source="de", target="en")
    HFBackend(tiny_nllb_dir, "nllb", device="cpu", source="fa", target="en")
    models = [kw for name, kw in recorded_loads if name in ("MarianMTModel", "M2M100ForConditionalGeneration")]
    assert len(models) == 2
    for kwargs in models:
        assert kwargs.get("trust_remote_code") is False
        assert kwargs.get("use_safetensors") is True  # both fixtures ship model.safetensors
    assert all(kw.get("trust_remote_code") in (None, False) for _, kw in recorded_loads)
    auto = [kw for name, kw in recorded_loads if name.startswith("Auto")]
    assert all(kw.get("trust_remote_code") is False for kw in auto), auto


def test_custom_code_in_a_model_folder_never_runs(tmp_path, isolated, tiny_marian_dir):
    marker = tmp_path / "remote-code-ran"
    model = _evil_folder(tiny_marian_dir, tmp_path / "model", marker)
    res = run_cli("translate", _short_article(tmp_path), "-m", model, "--backend", "hf", "-q", "--beam", "1",
                  "--max-length", "16", "--no-cache", "-o", tmp_path / "out.txt")
    assert not marker.exists(), "custom code from the model folder was executed"
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output  # the built-in classes load it


def test_custom_code_never_runs_in_the_ct2_backend(tmp_path, isolated, tiny_marian_dir):
    ct2 = pytest.importorskip("translate.ct2_backend")
    marker = tmp_path / "remote-code-ran"
    model = _evil_folder(tiny_marian_dir, tmp_path / "model", marker)
    backend = ct2.CT2Backend(model, "marian", device="cpu", cache_root=tmp_path / "ct2")
    assert len(backend.translate_batch(["Kuba und China."], beam=1, max_length=8)) == 1
    assert not marker.exists(), "custom code from the model folder was executed"


@pytest.mark.parametrize("backend", ["hf", "ct2"])
def test_safetensors_are_preferred_over_pickled_weights(tmp_path, isolated, tiny_marian_dir, backend):
    marker = tmp_path / "pickle-ran"
    model = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, model)
    (model / "pytorch_model.bin").write_bytes(pickle.dumps(_RunsCode(marker)))
    res = run_cli("translate", _short_article(tmp_path), "-m", model, "--backend", backend, "-q", "--beam", "1",
                  "--max-length", "16", "--no-cache", "-o", tmp_path / "out.txt")
    assert not marker.exists(), "pickled weights were unpickled although model.safetensors exists"
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("backend", ["hf", "ct2", "auto"])
def test_malicious_pickled_weights_are_refused_not_run(tmp_path, isolated, tiny_marian_dir, backend):
    marker = tmp_path / "pickle-ran"
    model = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, model)
    (model / "model.safetensors").unlink()
    (model / "pytorch_model.bin").write_bytes(pickle.dumps(_RunsCode(marker)))
    res = run_cli("translate", _short_article(tmp_path), "-m", model, "--backend", backend, "-q",
                  "-o", tmp_path / "out.txt")
    assert not marker.exists(), "a pickled payload in pytorch_model.bin was executed"
    # Every backend fails to load the folder: a runtime failure (1), whichever backend was named.
    assert_clean_error(res, 1, str(model))
    assert not (tmp_path / "out.txt").exists()


def test_model_download_fetches_safetensors_only_when_the_repository_has_them(monkeypatch, tmp_path):
    import huggingface_hub

    from translate import models

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    asked: list[list[str]] = []
    files = ["config.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5", "source.spm", "target.spm",
             "vocab.json", "tokenizer_config.json", "evil_code.py"]
    # The repository listing, whichever of the two hub calls the code asks for it.
    monkeypatch.setattr(huggingface_hub.HfApi, "list_repo_files", lambda self, repo_id, **kw: list(files))
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda self, repo_id, **kw: types.SimpleNamespace(
        siblings=[types.SimpleNamespace(rfilename=f) for f in files]))
    monkeypatch.setattr(huggingface_hub, "snapshot_download",
                        lambda repo_id, **kw: asked.append(kw["allow_patterns"]) or str(tmp_path))
    models.pull_model("Helsinki-NLP/opus-mt-de-en")
    patterns = asked[0]
    import fnmatch

    assert any(fnmatch.fnmatch("model.safetensors", p) for p in patterns)
    assert not any(fnmatch.fnmatch("pytorch_model.bin", p) for p in patterns)
    assert not any(fnmatch.fnmatch("evil_code.py", p) for p in patterns)  # no code files are downloaded
