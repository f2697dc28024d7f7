"""CTranslate2 backend: a Hugging Face Marian or NLLB model converted once, then run int8 on CPU (float16 on CUDA).

The conversion is cached beside the Hugging Face cache in
``$HF_HOME/xling-ct2/<model>--<version>--<quantization>``, where the version carries the content fingerprint of
every file that can change a translation (translate.fingerprint), so a model updated in place is converted again.
It is written into a temporary folder and renamed, so two processes converting the same model at once both end up
with one complete copy. Tokenisation uses the model's own
Hugging Face tokenizer, so in float32 greedy mode the output equals the transformers backend's token for token.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from translate.errors import InputError, XlingError, first_line
from translate.hf_backend import INPUT_TOKEN_CAP, LOAD_LOCK, input_token_limit, output_budget, token_counts
from translate.models import check_model_folder, folder_version, hub_snapshot, read_json
from translate.paths import ct2_cache_root

CPU_QUANTIZATION = "int8"
CUDA_QUANTIZATION = "int8_float16"


class ConversionError(XlingError):
    """The model could not be converted to CTranslate2 (unsupported architecture or unreadable files)."""


def model_identity(model_dir: str | Path) -> tuple[str, str]:
    """(name, version) of a model folder: "org--name" for a hub-cache snapshot, else the folder's name plus a hash
    of its path; and the version the translation cache keys on too (translate.models.folder_version)."""
    path = Path(model_dir).resolve()
    snapshot = hub_snapshot(path)
    name = snapshot[0] if snapshot else f"{path.name}-{hashlib.sha256(str(path).encode()).hexdigest()[:12]}"
    return name, folder_version(path)


def pick_device(device: str) -> str:
    """Resolve "auto" to "cuda" when CTranslate2 sees a GPU, else "cpu"; refuse "cuda" without one."""
    import ctranslate2

    gpus = ctranslate2.get_cuda_device_count()
    if device == "auto":
        return "cuda" if gpus > 0 else "cpu"
    if device.startswith("cuda") and gpus == 0:
        raise InputError("--device cuda was asked for, but CTranslate2 sees no usable GPU; use --device cpu.")
    if device != "cpu" and not device.startswith("cuda"):
        raise InputError(f"unknown device {device!r}; use auto, cpu or cuda.")
    return device


def default_quantization(device: str) -> str:
    """int8 on CPU; int8 weights with float16 activations on CUDA (float16 where int8 is unsupported)."""
    if device == "cpu":
        return CPU_QUANTIZATION
    device = device.partition(":")[0]
    import ctranslate2

    supported = ctranslate2.get_supported_compute_types(device)
    return CUDA_QUANTIZATION if CUDA_QUANTIZATION in supported else "float16"


def converted_model(model_dir: str | Path, quantization: str, root: str | Path | None = None) -> Path:
    """The CTranslate2 copy of `model_dir` at `quantization`, converting it on first use (concurrency-safe)."""
    name, revision = model_identity(model_dir)
    root = Path(root) if root is not None else ct2_cache_root()
    final = root / f"{name}--{revision}--{quantization}"
    if (final / "model.bin").exists():
        return final
    try:
        import ctranslate2.converters
    except ImportError as exc:
        raise ConversionError("CTranslate2 is not installed; install it or use --backend hf.") from exc
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(root, final.name)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
    except OSError as exc:
        raise ConversionError(f"Cannot write converted models to {root}: {exc.strerror or exc}; "
                              "set XLING_CT2_DIR to a writable folder.") from exc
    print(f"Converting {model_dir} to CTranslate2 ({quantization}); this happens once and is cached in {final}.",
          file=sys.stderr)
    try:
        try:
            with LOAD_LOCK:  # the converter loads the model with transformers' from_pretrained
                ctranslate2.converters.TransformersConverter(str(model_dir)).convert(
                    str(tmp / "model"), quantization=quantization, force=True)
        except Exception as exc:  # noqa: BLE001 - any failure inside the converter means "cannot convert"
            raise ConversionError(f"Cannot convert {model_dir} to CTranslate2: {first_line(exc)}") from exc
        (tmp / "model" / "xling.json").write_text(json.dumps(
            {"source": str(Path(model_dir).resolve()), "name": name, "revision": revision,
             "quantization": quantization}, indent=2))
        try:
            os.rename(tmp / "model", final)
        except OSError:
            # Another process renamed its copy first; both copies are the same conversion, keep theirs.
            if not (final / "model.bin").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _remove_stale_temps(root: Path, name: str, age_s: float = 6 * 3600) -> None:
    """Delete temporary conversion folders that a killed process left behind (old enough to be abandoned)."""
    now = time.time()
    for tmp in root.glob(f".{name}.*"):
        try:
            if now - tmp.stat().st_mtime > age_s:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            pass


class CT2Backend:
    """Translate with CTranslate2: one `ctranslate2.Translator`, explicit batch calls, HF tokenizer around it."""

    name = "ct2"

    def __init__(
        self,
        model_dir: str | Path,
        kind: str,
        device: str = "auto",
        source: str = "de",
        target: str = "en",
        *,
        quantization: str | None = None,
        compute_type: str = "default",
        threads: int = 0,
        max_batch_size: int = 32,
        batch_type: str = "examples",
        cache_root: str | Path | None = None,
    ):
        """Convert (once) and load `model_dir` ("marian" or "nllb"); `threads` 0 means xling's thread count
        (translate.threads: $XLING_THREADS or the available cores), not CTranslate2's fixed default of 4."""
        from translate.threads import use_runtime_defaults

        use_runtime_defaults()  # before CTranslate2's OpenMP runtime starts, which reads it once
        try:
            import ctranslate2
        except ImportError as exc:
            raise ConversionError("CTranslate2 is not installed; install it or use --backend hf.") from exc
        from transformers.utils import logging as hf_logging

        from translate.registry import nllb_code
        from translate.threads import thread_count

        hf_logging.disable_progress_bar()
        if kind not in ("marian", "nllb"):
            raise ConversionError(f"The CTranslate2 backend runs Marian and NLLB models, not {kind!r}.")
        check_model_folder(Path(model_dir))
        self.kind = kind
        self.device = pick_device(device)
        self.quantization = quantization or default_quantization(self.device)
        self.max_batch_size = max_batch_size
        self.batch_type = batch_type
        self.path = converted_model(model_dir, self.quantization, cache_root)
        # The tokenizer classes are named rather than found through AutoTokenizer, whose config machinery
        # imports torch: CTranslate2 needs none of torch's few hundred MB.
        if kind == "marian":
            from transformers import MarianTokenizer

            self.tokenizer = MarianTokenizer.from_pretrained(str(model_dir))
        else:
            from transformers import NllbTokenizer

            self.tokenizer = NllbTokenizer.from_pretrained(str(model_dir), src_lang=nllb_code(source))
        self._prefix: list[str] | None = None
        if kind == "nllb":
            # NLLB picks its output language from the first target token, which HF forces as BOS.
            self._prefix = [nllb_code(target)]
            if self.tokenizer.convert_tokens_to_ids(self._prefix[0]) == self.tokenizer.unk_token_id:
                raise InputError(f"the NLLB model in {model_dir} has no language code {self._prefix[0]}.")
        config = read_json(Path(model_dir) / "config.json")
        self._positions = int(config.get("max_position_embeddings") or INPUT_TOKEN_CAP)
        self.max_input_tokens = input_token_limit(self.tokenizer, self._positions)
        # HF forces EOS as the last of max_new_tokens where the generation config says so (Marian does);
        # CT2 would emit one more real token instead.
        generation = read_json(Path(model_dir) / "generation_config.json", default={}) or config
        self._forced_eos = generation.get("forced_eos_token_id") is not None
        # One worker using every thread. Two workers of one thread each, every call split between them, measured
        # faster only on a heavily loaded machine and slower (beam 4 and greedy batches) on a quieter one (README).
        try:
            kind_, _, index = self.device.partition(":")  # "cuda:1" -> device "cuda", index 1
            self.translator = ctranslate2.Translator(
                str(self.path), device=kind_, device_index=int(index or 0), compute_type=compute_type,
                inter_threads=1, intra_threads=threads or thread_count())
        except (RuntimeError, ValueError) as exc:
            raise ConversionError(f"CTranslate2 cannot load {self.path}: {first_line(exc)}") from exc
        self.compute_type = self.translator.compute_type

    @property
    def signature(self) -> dict:
        """What decides this backend's output besides the model and decoding options (part of the cache key)."""
        return {"backend": self.name, "compute_type": self.compute_type}

    def count_tokens(self, texts: list[str]) -> list[int]:
        """The number of input tokens (special tokens included) of each text."""
        return token_counts(self.tokenizer, texts)

    def generate_ids(self, texts: list[str], beam: int = 4, max_new_tokens: int = 512, min_new_tokens: int = 0,
                     eos_at_limit: bool | None = None) -> list[list[int]]:
        """Target token ids per text (no language prefix, no EOS), decoded as one CTranslate2 call.

        Lengths count as transformers' `max_new_tokens` does (the NLLB language token included). `eos_at_limit`
        says whether the last of them is reserved for </s>, as HF's forced EOS does (None: as the model's
        generation config says).

        CTranslate2 sorts the call's inputs by length and runs them `max_batch_size` at a time (examples or tokens,
        as `batch_type` says), so a long list needs no batching by the caller.
        """
        if not texts:
            return []
        ids = self.tokenizer(list(texts), truncation=False)["input_ids"]
        source = [self.tokenizer.convert_ids_to_tokens(row) for row in ids]
        extra = 1 if self._prefix else 0
        # The language token counts toward CT2's decoding length just as the forced BOS counts in HF's.
        forced_eos = self._forced_eos if eos_at_limit is None else eos_at_limit
        limit = max(max_new_tokens - (1 if forced_eos else 0), 1 + extra)
        results = self.translator.translate_batch(
            source,
            target_prefix=[self._prefix] * len(source) if self._prefix else None,
            beam_size=beam,
            max_batch_size=self.max_batch_size,
            batch_type=self.batch_type,
            max_input_length=0,  # inputs are already within max_input_tokens; the caller splits longer ones
            max_decoding_length=limit,
            min_decoding_length=min(max(min_new_tokens, extra), limit),
        )
        return [self.tokenizer.convert_tokens_to_ids(res.hypotheses[0][extra:]) for res in results]

    def translate_batch(self, texts: list[str], beam: int = 4, max_length: int = 512) -> list[str]:
        """Translate one batch with beam search (deterministic), each sentence within its own output budget
        as in the HF backend (`output_budget` of its own length, the last token reserved for </s>)."""
        if not texts:
            return []
        budgets = [output_budget(n, max_length, self._positions) for n in self.count_tokens(texts)]
        top = max(budgets)
        # CTranslate2 takes one length limit per call, so the batch is decoded once at its largest budget.
        ids = self.generate_ids(texts, beam=beam, max_new_tokens=top, eos_at_limit=True)
        limits = [self._content_limit(budget) for budget in budgets]
        if beam == 1:
            # A greedy output at a shorter limit is a prefix of the output at a longer one: cutting each at its
            # own limit gives what decoding it alone would. (Stopping each sentence at its limit through
            # translate_batch's callback saves the tokens cut here, but made the process abort at exit.)
            return self._decode([row[:limit] for row, limit in zip(ids, limits)])
        # Beam search at a shorter limit keeps other hypotheses, so only a sentence that reached its own limit
        # below the batch's (a runaway output) can come out differently alone; those, and only those, are
        # decoded again, one call per budget (CTranslate2 batches each call itself).
        over = [i for i, row in enumerate(ids) if budgets[i] < top and len(row) >= limits[i]]
        for budget in sorted({budgets[i] for i in over}):
            group = [i for i in over if budgets[i] == budget]
            for i, row in zip(group, self.generate_ids([texts[i] for i in group], beam=beam,
                                                       max_new_tokens=budget, eos_at_limit=True)):
                ids[i] = row
        return self._decode(ids)

    def _decode(self, ids: list[list[int]]) -> list[str]:
        """Texts of target token ids, special tokens dropped."""
        return [text.strip() for text in self.tokenizer.batch_decode(ids, skip_special_tokens=True)]

    def _content_limit(self, budget: int) -> int:
        """The most output tokens (language prefix and </s> excluded) a sentence with this budget may have."""
        extra = 1 if self._prefix else 0
        return max(budget - 1, 1 + extra) - extra

