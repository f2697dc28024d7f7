"""Where xling and Hugging Face keep their caches: one lookup per folder, read from the environment at each call.

huggingface_hub fixes its own constants at import time; reading the variables on every call honours a change made
later in the process (tests, an application that sets HF_HOME after importing xling).
"""

from __future__ import annotations

import os
from pathlib import Path


def _env_path(name: str) -> Path | None:
    """The folder named by an environment variable, or None when it is unset or empty."""
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def user_cache_home() -> Path:
    """$XDG_CACHE_HOME, else ~/.cache."""
    return _env_path("XDG_CACHE_HOME") or Path(os.path.expanduser("~")) / ".cache"


def default_cache_dir() -> Path:
    """The xling cache folder (translations, embeddings, file hashes): $XLING_CACHE_DIR, else <user cache>/xling."""
    return _env_path("XLING_CACHE_DIR") or user_cache_home() / "xling"


def hf_home() -> Path:
    """The Hugging Face cache root: $HF_HOME, else <user cache>/huggingface."""
    return _env_path("HF_HOME") or user_cache_home() / "huggingface"


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder: $HF_HUB_CACHE, else <HF home>/hub."""
    return _env_path("HF_HUB_CACHE") or hf_home() / "hub"


def ct2_cache_root() -> Path:
    """Where CTranslate2 conversions are kept: $XLING_CT2_DIR, else <HF home>/xling-ct2."""
    return _env_path("XLING_CT2_DIR") or hf_home() / "xling-ct2"
