"""Runs without HF_HUB_OFFLINE on a machine without network: the cache first, one try of the hub, one line per
missing model, no connection noise. The hub is never reached: its client is replaced, or its address is a closed
local port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate import models
from xling.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """HF_HUB_OFFLINE unset, an empty HF cache, and a hub client whose every request fails to connect."""
    import huggingface_hub

    calls: list[str] = []

    class DeadApi:
        def model_info(self, model_id, timeout=None):
            calls.append(model_id)
            raise ConnectionError("[Errno -2] Name or service not known")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setattr(huggingface_hub, "HfApi", DeadApi)
    monkeypatch.setattr(models, "_UNREACHABLE", {})
    return calls


def test_compare_without_network_tries_the_hub_once_and_says_one_line_per_missing_model(no_network, tmp_path):
    texts = {"de.txt": "Der Präsident besuchte am Dienstag die Hauptstadt. Er sprach über den Handel zwischen beiden "
                       "Ländern.\n",
             "fa.txt": "رئیس جمهور روز سه شنبه از پایتخت دیدن کرد. او درباره تجارت میان دو کشور سخن گفت.\n",
             "ref.txt": "The president visited the capital on Tuesday. He spoke about trade between the two countries.\n"}
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    res = CliRunner().invoke(main, ["compare", str(tmp_path / "de.txt"), str(tmp_path / "fa.txt"),
                                    "-r", str(tmp_path / "ref.txt"), "-o", str(tmp_path / "out"), "--quiet"])
    assert res.exit_code == 0, res.stderr
    assert len(no_network) == 1  # two models missing, one try of the hub
    reasons = [line for line in res.stderr.splitlines() if line.startswith("  reason:")]
    assert len(reasons) == 2
    for line, model in zip(reasons, ["Helsinki-NLP/opus-mt-de-en", "facebook/nllb-200-distilled-600M"]):
        assert model in line and "not in the Hugging Face cache" in line and "hub is unreachable" in line
    assert "ConnectError" not in res.stderr and "ConnectionError" not in res.stderr
    assert sum(1 for line in res.stderr.splitlines() if line.startswith("Translations unavailable")) == 1


def test_translate_without_network_says_what_is_missing_and_what_to_do(no_network, tmp_path):
    res = CliRunner().invoke(main, ["translate", str(SEEDS / "001_2959add6671d93e8.txt"), "-q"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    [line] = [line for line in res.stderr.splitlines() if line.strip()]
    assert "Helsinki-NLP/opus-mt-de-en" in line and "hub is unreachable" in line
    assert "On a machine with network access run `xling models pull de-en`" in line


def test_models_pull_without_network_says_the_network_is_unreachable(no_network):
    res = CliRunner().invoke(main, ["models", "pull", "de-en"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "network is unreachable" in res.stderr
    assert "xling models pull" not in res.stderr  # not the command that just failed as the remedy


def test_a_model_in_the_cache_needs_no_network(no_network, tiny_marian_dir, tmp_path):
    from test_translate_models import install_in_hf_cache

    install_in_hf_cache(tiny_marian_dir, tmp_path / "hf", "Helsinki-NLP/opus-mt-de-en")
    assert models.resolve_model("Helsinki-NLP/opus-mt-de-en", pair="de-en").kind == "marian"
    assert no_network == []


@pytest.mark.slow
def test_the_real_client_with_an_unreachable_hub_fails_fast_and_quietly(tmp_path):
    # A closed port on this machine stands in for a hub that cannot be reached: refused at once, no network used.
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_HUB_CACHE")}
    env.update(HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT="http://127.0.0.1:9", XLING_CACHE_DIR=str(tmp_path / "c"))
    proc = subprocess.run([sys.executable, "-m", "xling.cli", "models", "pull", "de-en"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "network is unreachable (http://127.0.0.1:9" in proc.stderr and "Traceback" not in proc.stderr


def test_a_hub_that_never_answers_counts_as_unreachable_after_the_timeout(no_network, monkeypatch):
    import threading

    import huggingface_hub

    release = threading.Event()

    class HangingApi:  # a name lookup that never returns, which the request's own timeout does not cover
        def model_info(self, model_id, timeout=None):
            release.wait(30)
            raise AssertionError("not reached within the test")

    monkeypatch.setattr(huggingface_hub, "HfApi", HangingApi)
    monkeypatch.setattr(models, "HUB_TIMEOUT_S", 0.2)
    try:
        with pytest.raises(models.HubUnreachableError, match="no answer within"):
            models.pull_model("Helsinki-NLP/opus-mt-de-en", pair="de-en")
    finally:
        release.set()
