"""Shared pytest fixtures. Nothing here reaches the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests must never reach a model hub; loading code is exercised on fixture-built models.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session", autouse=True)
def _private_caches(tmp_path_factory) -> None:
    """CTranslate2 conversions and the translation cache go to a session folder, never the user's caches."""
    root = tmp_path_factory.mktemp("caches")
    os.environ.setdefault("XLING_CT2_DIR", str(root / "ct2"))
    os.environ.setdefault("XLING_CACHE_DIR", str(root / "xling"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The folder of the four seed articles."""
    return SEEDS


# Tiny random translation models (test fixtures: their output is NOT a translation). Built once per session from
# the seed articles; one torch thread because on 2 shared cores extra intra-op threads only contend.
_TINY_SEEDS = ["000_2c29ad0641dc83f6.txt", "001_2959add6671d93e8.txt", "002_ade6ea3ef36ce7e0.txt",
               "003_25baae2a21a7165f.txt"]


@pytest.fixture(scope="session")
def tiny_marian_dir(tmp_path_factory) -> Path:
    """A randomly initialised MarianMT model folder (safetensors, MarianTokenizer), flagged xling_random_fixture."""
    import torch

    from translate.fixtures import build_tiny_marian

    torch.set_num_threads(1)
    return build_tiny_marian(tmp_path_factory.mktemp("tiny-marian"), [SEEDS / n for n in _TINY_SEEDS])


@pytest.fixture(scope="session")
def tiny_nllb_dir(tmp_path_factory) -> Path:
    """A randomly initialised NLLB (M2M100) model folder with all 202 language codes, flagged xling_random_fixture."""
    import torch

    from translate.fixtures import build_tiny_nllb

    torch.set_num_threads(1)
    return build_tiny_nllb(tmp_path_factory.mktemp("tiny-nllb"), [SEEDS / n for n in _TINY_SEEDS])
