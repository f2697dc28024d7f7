"""Finding model weights: a local folder, or the standard Hugging Face cache (downloading only when allowed)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from translate.errors import InputError, ModelNotFoundError, first_line
from translate.fingerprint import model_fingerprint
from translate.fixtures import FIXTURE_FLAG
from translate.paths import hub_cache_dir

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
T = TypeVar("T")


@dataclass(frozen=True)
class ResolvedModel:
    """A model found on disk: where it is, what kind it is and which version."""

    ref: str  # as the user gave it: a hub id or a folder
    path: Path  # the folder holding config, weights and tokenizer files
    kind: str  # "marian" or "nllb"
    revision: str  # the hub commit of a model found in the hub cache; for a folder given as such, its version
    is_fixture: bool  # a random test model: its output is not a translation
    version: str  # what caches key on: the revision with the content fingerprint (folder_version)

    @property
    def model_id(self) -> str:
        """A stable name for the model: the hub id, or the absolute folder for a local model."""
        return str(self.path) if is_local_ref(self.ref) else self.ref


def offline_mode() -> bool:
    """Whether downloads are switched off (HF_HUB_OFFLINE=1)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE


def is_local_ref(ref: str) -> bool:
    """Whether a model reference names a folder rather than a hub id ("org/name")."""
    if Path(ref).expanduser().exists():
        return True
    return ref.startswith(("/", "./", "../", "~", ".\\")) or ref.count("/") > 1 or ref.endswith("/")


def hub_snapshot(path: Path) -> tuple[str, str] | None:
    """("org--name", commit) when `path` is a snapshot folder of the hub cache, else None."""
    parts = path.parts
    # A hub snapshot lives at .../models--<org>--<name>/snapshots/<commit>.
    if len(parts) >= 3 and parts[-2] == "snapshots" and parts[-3].startswith("models--"):
        return parts[-3][len("models--"):], parts[-1]
    return None


def folder_version(path: Path) -> str:
    """The version of a model folder that the translation cache and the CT2 conversions key on.

    "<commit>-<fingerprint>" for a hub-cache snapshot, "local-<fingerprint>" for any other folder; the fingerprint
    hashes the content of every file that can change a translation, so a model updated in place gets a new version.
    """
    snapshot = hub_snapshot(path)
    fingerprint = model_fingerprint(path)
    return f"{snapshot[1]}-{fingerprint}" if snapshot else f"local-{fingerprint}"


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
    config = read_json(path / "config.json")
    model_type = config.get("model_type")
    if model_type == "marian":
        return "marian"
    if model_type == "m2m_100":
        tok_config = read_json(path / "tokenizer_config.json", default={})
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


def damage_report(path: Path) -> str | None:
    """What is wrong with a model folder's files (a missing or unreadable file, bad JSON, a truncated weights
    file, a broken SentencePiece model), or None when they all look intact. Run after a load failed, to tell a
    damaged download from a fault elsewhere."""
    missing = missing_files(path)
    if missing:
        return f"it lacks {', '.join(missing)}"
    for file in sorted(path.iterdir()):
        try:
            problem = _file_problem(file)
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror or exc})"
        if problem:
            return f"{file.name} {problem}"
    return None


def _file_problem(file: Path) -> str | None:
    """Why one model file is unusable, or None; files of kinds it does not know are not judged."""
    name = file.name
    if name.endswith(".json"):
        try:
            json.loads(file.read_text(encoding="utf-8"))
        except ValueError as exc:
            return f"is not valid JSON ({first_line(exc)})"
    elif name.endswith(".safetensors"):
        return _safetensors_problem(file)
    elif name.endswith(".bin") and name.startswith("pytorch_model"):
        import zipfile

        with open(file, "rb") as fh:
            zipped = fh.read(2) == b"PK"  # torch.save's format since 1.6; older pickles are not judged
        if zipped and not zipfile.is_zipfile(file):
            return "is a truncated PyTorch checkpoint (its zip directory is missing)"
    elif name.endswith((".spm", ".model")):
        import sentencepiece

        try:
            sentencepiece.SentencePieceProcessor(model_file=str(file))
        except (RuntimeError, OSError) as exc:
            return f"is not a SentencePiece model ({first_line(exc)})"
    return None


def _safetensors_problem(file: Path) -> str | None:
    """Why a safetensors file is unusable (bad header, or shorter or longer than its header says), or None."""
    size = file.stat().st_size
    with open(file, "rb") as fh:
        head = fh.read(8)
        length = int.from_bytes(head, "little") if len(head) == 8 else 0
        if not 0 < length <= size - 8:
            return "has no valid safetensors header (truncated or not a safetensors file)"
        try:
            header = json.loads(fh.read(length))
            end = max((int(t["data_offsets"][1]) for k, t in header.items() if k != "__metadata__"), default=0)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            return f"has an unreadable safetensors header ({first_line(exc)})"
    if 8 + length + end != size:
        return f"holds {size} bytes where its header promises {8 + length + end} (truncated or overwritten)"
    return None


def is_random_fixture(path: Path) -> bool:
    """Whether the folder holds a random test model built by translate.fixtures."""
    config_file = path / "config.json"
    return config_file.is_file() and bool(read_json(config_file).get(FIXTURE_FLAG))


def resolve_model(ref: str, pair: str | None = None, download: bool | None = None) -> ResolvedModel:
    """Find a model's folder: a local folder as given, else the hub cache, else download it when allowed.

    `download=None` downloads unless HF_HUB_OFFLINE=1. `pair` ("de-en") only shapes the hint in error messages.
    """
    if is_local_ref(ref):
        path = Path(ref).expanduser().resolve()
        check_model_folder(path, pair)
        _check_complete(path, ref, f"the folder {path}", pair)
        version = folder_version(path)
        return _resolved(ref, path, version, version)

    allow_download = (not offline_mode()) if download is None else download
    path = cached_snapshot(ref)  # the local cache first: a model that is there needs no network at all
    if path is None or missing_files(path):
        lacking = None if path is None else missing_files(path)
        if not allow_download:
            raise _not_available(ref, lacking, "downloading is switched off (HF_HUB_OFFLINE=1)", pair)
        unreachable = _UNREACHABLE.get(hub_endpoint())
        if unreachable is not None:  # a second model in the same run: the hub was already tried
            raise _not_available(ref, lacking, f"the hub is unreachable ({hub_endpoint()}: {unreachable})", pair)
        try:
            path = pull_model(ref, pair=pair)
        except HubUnreachableError as exc:
            raise _not_available(ref, lacking, f"the hub is unreachable ({exc.endpoint}: {exc.reason})", pair) from None
    _check_complete(path, ref, f"the Hugging Face cache at {path}", pair)
    return _resolved(ref, path, path.name, folder_version(path))


def check_model_folder(path: Path, pair: str | None = None) -> None:
    """Raise a clear error unless `path` is a folder: ModelNotFoundError when it is missing, InputError for a file."""
    if path.is_dir():
        return
    if not path.exists():
        raise ModelNotFoundError(f"Model folder {path} does not exist. {_fetch_hint(None, pair)}")
    parent = path.parent
    guess = f" (its folder {parent} looks like one: pass that)" if (parent / "config.json").is_file() else ""
    raise InputError(
        f"Model {path} is a file, not a model folder{guess}; --model takes a folder holding config.json, the "
        f"weights (model.safetensors or pytorch_model.bin) and the tokenizer files (source.spm and target.spm "
        f"for opus-mt, tokenizer.json or sentencepiece.bpe.model for NLLB), or a hub id such as "
        f"Helsinki-NLP/opus-mt-de-en."
    )


def cached_snapshot(model_id: str) -> Path | None:
    """The folder of a model's snapshot in the hub cache, or None when it was never downloaded."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(model_id, cache_dir=hub_cache_dir(), local_files_only=True))
    except HFValidationError as exc:
        raise InputError(f"{model_id!r} is neither a model folder nor a valid hub id ({first_line(exc)}).") from None
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
    endpoint = hub_endpoint()
    if endpoint in _UNREACHABLE:
        raise HubUnreachableError(model_id, endpoint, _UNREACHABLE[endpoint])
    try:
        # model_info makes one request without retries, so an unreachable hub fails in seconds, not after backoff.
        info = _within(HUB_TIMEOUT_S, lambda: HfApi().model_info(model_id, timeout=HUB_TIMEOUT_S))
    except Exception as exc:
        if _is_network_error(exc):
            _UNREACHABLE[endpoint] = first_line(exc)  # tried once: the next model of this run does not wait again
            raise HubUnreachableError(model_id, endpoint, _UNREACHABLE[endpoint]) from None
        raise _download_failed(model_id, exc, pair) from None
    files = [sibling.rfilename for sibling in info.siblings or []]
    patterns = list(_PULL_PATTERNS)
    if not any(name.endswith(".safetensors") for name in files):
        patterns.append("pytorch_model*.bin*")  # older repositories ship only pickled weights
    try:
        return Path(snapshot_download(model_id, cache_dir=cache, allow_patterns=patterns))
    except Exception as exc:  # network lost mid-way, authentication, disk: all mean "not downloaded"
        raise _download_failed(model_id, exc, pair) from None


class HubUnreachableError(ModelNotFoundError):
    """The model hub could not be reached at all (no network, name not resolved, connection refused or timed out)."""

    def __init__(self, model_id: str, endpoint: str, reason: str) -> None:
        self.model_id, self.endpoint, self.reason = model_id, endpoint, reason
        super().__init__(
            f"Cannot download {model_id}: the network is unreachable ({endpoint}: {reason}). Connect this machine "
            f"and run the command again, or download the model on a machine with network access and copy "
            f"{cache_repo_dir(model_id).name} into this machine's Hugging Face cache ({hub_cache_dir()})."
        )


# Hub endpoints found unreachable in this process, with the reason; one failed try is enough for a whole run.
_UNREACHABLE: dict[str, str] = {}
# Seconds the one request to the hub may take before the hub counts as unreachable.
HUB_TIMEOUT_S = 10.0


def _within(seconds: float, call: Callable[[], T]) -> T:
    """`call()`, or TimeoutError when it has not returned after `seconds`.

    The request's own timeout does not cover resolving the hub's name, which can hang for much longer where no
    name server answers; the call runs in a daemon thread, so one left hanging does not keep the process alive.
    """
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread as is
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="xling-hub-request", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(f"no answer within {seconds:.0f} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def hub_endpoint() -> str:
    """The hub's address as huggingface_hub uses it ($HF_ENDPOINT, else https://huggingface.co)."""
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def _is_network_error(exc: BaseException) -> bool:
    """Whether a failed hub request means no connection at all, as opposed to an answer that refused us."""
    # By class name: huggingface_hub has used requests, httpx and httpx2 in turn, and importing all three to
    # test isinstance would load modules this process does not otherwise need.
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"TransportError", "ConnectionError", "Timeout", "TimeoutError", "gaierror"}:
        return getattr(exc, "response", None) is None  # requests' ConnectionError carries no answer
    return False


def _download_failed(model_id: str, exc: BaseException, pair: str | None) -> ModelNotFoundError:
    """The error for a hub that answered but gave no model (missing repository, authentication, disk)."""
    return ModelNotFoundError(
        f"Model weights for {model_id} could not be downloaded into {cache_repo_dir(model_id)} "
        f"({type(exc).__name__}: {first_line(exc)}). {_fetch_hint(model_id, pair)}"
    )


def _not_available(ref: str, lacking: list[str] | None, cause: str, pair: str | None) -> ModelNotFoundError:
    """The error for a hub model neither in the local cache nor downloadable now.

    Its message is one line saying what is missing and what to do; its `summary` says only what is missing,
    for a run that lists one line per missing model under a notice that already says what to do.
    """
    where = f"the Hugging Face cache ({hub_cache_dir()})"
    state = f"is not in {where}" if lacking is None else f"is incomplete in {where}: it lacks {', '.join(lacking)}"
    error = ModelNotFoundError(f"Model weights for {ref} are not available: it {state}, and {cause}. "
                               f"{_fetch_hint(ref, pair)}")
    error.summary = f"{ref} {state}, and {cause}."
    return error


def _resolved(ref: str, path: Path, revision: str, version: str) -> ResolvedModel:
    """Assemble a ResolvedModel for a complete folder."""
    return ResolvedModel(ref=ref, path=path, kind=model_kind(path), revision=revision,
                         is_fixture=is_random_fixture(path), version=version)


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


def read_json(path: Path, default: dict | None = None) -> dict:
    """A JSON object from a file (`default` when given and the file does not exist), or an InputError naming it."""
    if default is not None and not path.exists():
        return default
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}.") from None
    if not isinstance(data, dict):
        raise InputError(f"cannot read {path}: it holds JSON {type(data).__name__}, not an object.")
    return data
