"""Translation backends by name: each loads one model folder and translates batches of sentences.

A backend is any object with:
  name: str                                   the registry name ("hf", "ct2", ...)
  max_input_tokens: int                       the most tokens (specials included) one input may have
  count_tokens(texts: list[str]) -> list[int] input tokens per text, specials included
  translate_batch(texts: list[str], beam: int = 4, max_length: int = 512) -> list[str]
                                              one deterministic translation per text, in order
A loader has the signature of `load_backend` minus `name` and is registered in BACKENDS. "auto" goes through
AUTO_ORDER and takes the first backend that can run the model (a loader signals "cannot" with BackendUnavailable).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from translate.errors import InputError, XlingError, first_line


class Backend(Protocol):
    """What the Translator needs from a backend."""

    name: str
    max_input_tokens: int

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Input tokens per text, special tokens included."""
        ...

    def translate_batch(self, texts: list[str], beam: int = 4, max_length: int = 512) -> list[str]:
        """One translation per text, in order."""
        ...


class BackendUnavailable(Exception):
    """Raised by a loader when its backend cannot run this model here (so "auto" tries the next one)."""


def _load_hf(model_dir: Path, kind: str, device: str, **opts: Any) -> Backend:
    """Load the transformers backend."""
    from translate.hf_backend import HFBackend

    return HFBackend(model_dir, kind, device=device, **opts)


def _load_ct2(model_dir: Path, kind: str, device: str, **opts: Any) -> Backend:
    """Load the CTranslate2 backend, converting the model on first use; unavailable when it cannot."""
    from translate.ct2_backend import CT2Backend, ConversionError

    try:
        return CT2Backend(model_dir, kind, device=device, **opts)
    except ConversionError as exc:
        raise BackendUnavailable(str(exc).rstrip(".")) from exc


BackendLoader = Callable[..., Backend]
BACKENDS: dict[str, BackendLoader] = {"hf": _load_hf, "ct2": _load_ct2}
# The order "auto" tries backends in; the first that loads wins. CTranslate2 int8 is several times faster on CPU.
AUTO_ORDER: list[str] = ["ct2", "hf"]


def backend_names() -> list[str]:
    """The names accepted by --backend."""
    return ["auto", *BACKENDS]


def load_backend(name: str, model_dir: str | Path, kind: str, device: str = "auto", **opts: Any) -> Backend:
    """Load the named backend ("auto" picks the first in AUTO_ORDER that can run the model)."""
    if name == "auto":
        reasons = []
        for candidate in AUTO_ORDER:
            try:
                return _load(candidate, Path(model_dir), kind, device, opts)
            except BackendUnavailable as exc:
                reasons.append(f"{candidate}: {exc}")
                print(f"backend {candidate} unavailable ({exc}); trying the next one", file=sys.stderr)
        raise XlingError(f"no backend can run the model in {model_dir} ({'; '.join(reasons)}).")
    if name not in BACKENDS:
        raise InputError(f"unknown backend {name!r}; choose one of {', '.join(backend_names())}.")
    try:
        return _load(name, Path(model_dir), kind, device, opts)
    except BackendUnavailable as exc:
        # A runtime failure (exit 1) like the hf backend's "cannot load the model": the model folder may be
        # damaged, or this backend may not support its architecture; the command line itself was valid.
        raise XlingError(f"the {name} backend cannot run the model in {model_dir}: {exc}.") from None


def _load(name: str, model_dir: Path, kind: str, device: str, opts: dict) -> Backend:
    """Run one loader; a failure inside the model's own files becomes one XlingError naming the folder."""
    try:
        return BACKENDS[name](model_dir, kind, device, **opts)
    except (XlingError, BackendUnavailable):
        raise
    except Exception as exc:
        # A truncated safetensors file, a broken SentencePiece model or bad JSON each raise their library's own
        # type; the files are checked to tell such a damaged download from a fault that lies elsewhere (a bug, a
        # library version, a process left broken). The cause stays chained, so --debug shows the full traceback.
        from translate.models import damage_report

        detail = f"{type(exc).__name__}: {first_line(exc)[:200]}"
        problem = damage_report(model_dir)
        if problem:
            raise XlingError(
                f"cannot load the model in {model_dir} with the {name} backend: {problem}, so its files are damaged "
                f"or incomplete ({detail}); download it again, or pass --model with another folder."
            ) from exc
        raise XlingError(
            f"cannot load the model in {model_dir} with the {name} backend ({detail}), although its files look "
            f"intact{_meta_hint(detail)}; run again with --debug for the traceback, or try --backend "
            f"{'ct2' if name == 'hf' else 'hf'}."
        ) from exc


def _meta_hint(detail: str) -> str:
    """Why weights can be left on the meta device when the files are fine."""
    if "meta tensor" not in detail:
        return ""
    return (" (transformers left the weights unloaded, which happens when another thread of this process loads a "
            "model at the same time without xling's lock: translate.hf_backend.LOAD_LOCK)")
