"""Finding model weights: a local folder, or the standard Hugging Face cache (downloading only when allowed)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from translate.errors import InputError, ModelNotFoundError
from translate.fixtures import FIXTURE_FLAG

_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
_TOKENIZER_FILES = {
    "marian": [("source.spm",), ("target.spm",), ("vocab.json",)],
    "nllb": [("tokenizer.json", "sentencepiece.bpe.model")],
}
# What a translation needs from a hub repository; tf/flax/rust weights and README images are skipped.
_PULL_PATTERNS = [
    "config.json", "generation_config.json", "*.safetensors", "model.safetensors.index.json",
    "tokenizer*", "special_tokens_map.json", "*.spm", "vocab.json", "target_vocab.json", "sentencepiece.bpe.model",
]
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ResolvedModel:
    """A model found on disk: where it is, what kind it is and which version."""

    ref: str  # as the user gave it: a hub id or a folder
    path: Path  # the folder holding config, weights and tokenizer files
    kind: str  # "marian" or "nllb"
    revision: str  # the hub commit of a cache snapshot, or "local-<fingerprint>" for a folder
    is_fixture: bool  # a random test model: its output is not a translation

    @property
    def model_id(self) -> str:
        """A stable name for the model: the hub id, or the absolute folder for a local model."""
        return str(self.path) if is_local_ref(self.ref) else self.ref


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder, read from the environment now (HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME)."""
    # huggingface_hub.constants is fixed at import time; reading the variables here honours later changes.
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "huggingface" / "hub"


def offline_mode() -> bool:
    """Whether downloads are switched off (HF_HUB_OFFLINE=1)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE


def is_local_ref(ref: str) -> bool:
    """Whether a model reference names a folder rather than a hub id ("org/name")."""
    if Path(ref).expanduser().exists():
        return True
    return ref.startswith(("/", "./", "../", "~", ".\\")) or ref.count("/") > 1 or ref.endswith("/")


def cache_repo_dir(model_id: str) -> Path:
    """Where the hub cache keeps (or would keep) a model: <cache>/models--org--name."""
    return hub_cache_dir() / ("models--" + model_id.replace("/", "--"))


def pull_command(model_id: str, pair: str | None = None) -> str:
    """The command that fetches a model on a networked machine."""
    from translate.registry import DEFAULT_MODELS

    if pair is not None and DEFAULT_MODELS.get(tuple(pair.split("-"))) == model_id:  # type: ignore[arg-type]
        return f"xling models pull {pair}"
    return f"xling models pull --model {model_id}"


def model_kind(path: Path) -> str:
    """The kind of a model folder from its config: "marian" (MarianMT) or "nllb" (M2M100 with an NLLB tokenizer)."""
    config = _read_json(path / "config.json")
    model_type = config.get("model_type")
    if model_type == "marian":
        return "marian"
    if model_type == "m2m_100":
        tok_config = _read_json(path / "tokenizer_config.json") if (path / "tokenizer_config.json").exists() else {}
        tok_class = str(tok_config.get("tokenizer_class") or config.get("tokenizer_class") or "")
        if tok_class.startswith("Nllb") or (path / "sentencepiece.bpe.model").exists():
            return "nllb"
        raise InputError(f"model {path} is an M2M100 model without an NLLB tokenizer; only NLLB models are supported.")
    raise InputError(f"model {path} has model_type {model_type!r}; xling supports MarianMT (marian) and NLLB (m2m_100).")


def missing_files(path: Path) -> list[str]:
    """The files a model folder lacks for translation (config, weights, tokenizer); empty when complete."""
    if not (path / "config.json").is_file():
        return ["config.json"]
    missing = []
    if not any((path / name).is_file() for name in _WEIGHT_FILES):
        missing.append(" or ".join(_WEIGHT_FILES[:3:2]))
    try:
        kind = model_kind(path)
    except InputError:
        return missing
    for alternatives in _TOKENIZER_FILES[kind]:
        if not any((path / name).is_file() for name in alternatives):
            missing.append(" or ".join(alternatives))
    return missing


def is_random_fixture(path: Path) -> bool:
    """Whether the folder holds a random test model built by translate.fixtures."""
    config_file = path / "config.json"
    return config_file.is_file() and bool(_read_json(config_file).get(FIXTURE_FLAG))


def resolve_model(ref: str, pair: str | None = None, download: bool | None = None) -> ResolvedModel:
    """Find a model's folder: a local folder as given, else the hub cache, else download it when allowed.

    `download=None` downloads unless HF_HUB_OFFLINE=1. `pair` ("de-en") only shapes the hint in error messages.
    """
    if is_local_ref(ref):
        path = Path(ref).expanduser().resolve()
        if not path.is_dir():
            raise ModelNotFoundError(
                f"Model folder {path} does not exist. {_fetch_hint(None, pair)}"
            )
        _check_complete(path, ref, f"the folder {path}", pair)
        return _resolved(ref, path, f"local-{_fingerprint(path)}")

    allow_download = (not offline_mode()) if download is None else download
    path = cached_snapshot(ref)
    if path is None or missing_files(path):
        if not allow_download:
            why = "no complete copy is there" if path is None else f"the copy there lacks {', '.join(missing_files(path))}"
            raise ModelNotFoundError(
                f"Model weights for {ref} are not available: xling looked in the Hugging Face cache at "
                f"{cache_repo_dir(ref)}, {why}, and downloading is switched off (HF_HUB_OFFLINE=1). "
                f"{_fetch_hint(ref, pair)}"
            )
        path = pull_model(ref, pair=pair)
    _check_complete(path, ref, f"the Hugging Face cache at {path}", pair)
    return _resolved(ref, path, path.name)


def cached_snapshot(model_id: str) -> Path | None:
    """The folder of a model's snapshot in the hub cache, or None when it was never downloaded."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(model_id, cache_dir=hub_cache_dir(), local_files_only=True))
    except HFValidationError as exc:
        raise InputError(f"{model_id!r} is neither a model folder nor a valid hub id ({_first_line(exc)}).") from None
    except (LocalEntryNotFoundError, FileNotFoundError, OSError):
        return None


def pull_model(model_id: str, pair: str | None = None) -> Path:
    """Download a model into the hub cache (safetensors when the repository has them) and return its folder."""
    from huggingface_hub import HfApi, snapshot_download

    if offline_mode():
        raise ModelNotFoundError(
            f"Cannot download {model_id}: HF_HUB_OFFLINE=1 switches downloads off. Unset it on a machine with "
            f"network access and run `{pull_command(model_id, pair)}` there, then copy {cache_repo_dir(model_id)} "
            f"into this machine's cache ({hub_cache_dir()})."
        )
    cache = hub_cache_dir()
    try:
        # model_info makes one request without retries, so an unreachable hub fails in seconds, not after backoff.
        info = HfApi().model_info(model_id, timeout=20)
        files = [sibling.rfilename for sibling in info.siblings or []]
        patterns = list(_PULL_PATTERNS)
        if not any(name.endswith(".safetensors") for name in files):
            patterns.append("pytorch_model*.bin*")  # older repositories ship only pickled weights
        return Path(snapshot_download(model_id, cache_dir=cache, allow_patterns=patterns))
    except Exception as exc:  # network, authentication, missing repository: all mean "not downloadable"
        raise ModelNotFoundError(
            f"Model weights for {model_id} could not be downloaded into {cache_repo_dir(model_id)} "
            f"({type(exc).__name__}: {_first_line(exc)}). {_fetch_hint(model_id, pair)}"
        ) from None


def _resolved(ref: str, path: Path, revision: str) -> ResolvedModel:
    """Assemble a ResolvedModel for a complete folder."""
    return ResolvedModel(ref=ref, path=path, kind=model_kind(path), revision=revision, is_fixture=is_random_fixture(path))


def _check_complete(path: Path, ref: str, where: str, pair: str | None) -> None:
    """Raise ModelNotFoundError naming the missing files when a model folder is incomplete."""
    missing = missing_files(path)
    if missing:
        hub_id = None if is_local_ref(ref) else ref
        raise ModelNotFoundError(
            f"Model {ref} is incomplete: {where} lacks {', '.join(missing)}. {_fetch_hint(hub_id, pair)}"
        )


def _fetch_hint(model_id: str | None, pair: str | None) -> str:
    """The sentence telling the user how to obtain weights."""
    if model_id is None:
        from translate.registry import default_model

        if pair is None:
            return ("Give --model a folder holding config.json, the weights and the tokenizer files, "
                    "or a hub id such as Helsinki-NLP/opus-mt-de-en.")
        model_id = default_model(*pair.split("-"))
    return (f"On a machine with network access run `{pull_command(model_id, pair)}` "
            f"(it downloads into {cache_repo_dir(model_id)}; set HF_HOME to choose the cache), "
            f"then copy that cache here or pass --model with a local folder.")


def _fingerprint(path: Path) -> str:
    """A cheap identity for a local model: its config and the names, sizes and heads of its weight files."""
    digest = hashlib.sha256((path / "config.json").read_bytes())
    for name in sorted(os.listdir(path)):
        if name.endswith((".safetensors", ".bin")):
            file = path / name
            digest.update(f"{name}:{file.stat().st_size}".encode())
            with open(file, "rb") as fh:
                # The first MiB includes the safetensors header and leading tensors; hashing gigabytes is too slow.
                digest.update(fh.read(1 << 20))
    return digest.hexdigest()[:16]


def _read_json(path: Path) -> dict:
    """A JSON object from a file, or an InputError naming the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}.") from None


def _first_line(exc: Exception) -> str:
    """The first line of an exception's message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
