"""The transformers backend: MarianMT (opus-mt) and NLLB models run with PyTorch."""

from __future__ import annotations

import threading
from pathlib import Path

from translate.errors import InputError
from translate.registry import nllb_code

# Inputs beyond this many tokens are split even when a model's position table is larger: NLLB and opus-mt were
# trained on sentences, and their quality collapses on long inputs well before the hard limit.
INPUT_TOKEN_CAP = 512
# Output budget relative to the input: long enough for any real translation, short enough that a model stuck in a
# repetition loop (or a random fixture that never emits </s>) stops early instead of running to max_length.
OUTPUT_RATIO, OUTPUT_SLACK = 2, 16
# transformers' from_pretrained swaps process-wide state while it builds a model (PreTrainedModel.tie_weights and
# init_weights, torch.nn.init functions, torch.linspace, torch's default dtype) and restores it on the way out. Two
# threads loading at once restore each other's stand-ins: the weights stay on the meta device ("Cannot copy out of
# meta tensor") and every later load in the process fails too. Every from_pretrained of a model in xling, the CT2
# converter's included, holds this lock.
LOAD_LOCK = threading.RLock()


def token_counts(tokenizer: object, texts: list[str]) -> list[int]:
    """The number of input tokens (special tokens included) of each text under `tokenizer`."""
    if not texts:
        return []
    # verbose=False: counting an over-long sentence (to split it) is expected, not worth a warning.
    encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
    return [len(ids) for ids in encoded]


def input_token_limit(tokenizer: object, positions: int | None) -> int:
    """The most tokens (specials included) one input may have: tokenizer and position limits, capped."""
    limits = [INPUT_TOKEN_CAP]
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_limit, int) and tok_limit < 1_000_000:  # transformers uses ~1e30 for "no limit"
        limits.append(tok_limit)
    if positions:
        limits.append(int(positions))
    return min(limits)


def output_budget(longest: int, max_length: int, positions: int) -> int:
    """max_new_tokens for a batch whose longest input has `longest` tokens."""
    # Marian's decoder has a fixed position table; one slot goes to the decoder start token.
    return min(max_length, OUTPUT_RATIO * longest + OUTPUT_SLACK, positions - 1)


def pick_device(device: str) -> str:
    """Resolve "auto" to "cuda" when a GPU is usable, else "cpu"; refuse "cuda" without one."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("--device cuda was asked for, but PyTorch sees no usable GPU; use --device cpu.")
    if device != "cpu" and not device.startswith("cuda"):
        raise InputError(f"unknown device {device!r}; use auto, cpu or cuda.")
    return device


class HFBackend:
    """One loaded MarianMT or NLLB model that translates batches of sentences with beam search."""

    name = "hf"

    def __init__(self, model_dir: str | Path, kind: str, device: str = "auto", source: str = "de",
                 target: str = "en", dtype: str = "auto") -> None:
        from translate.threads import use_runtime_defaults

        use_runtime_defaults()  # takes effect if torch's OpenMP runtime has not started yet
        import torch
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # xling draws its own progress bar; the per-load bars are noise
        self.model_dir = Path(model_dir)
        self.kind = kind
        self.device = pick_device(device)
        self.source, self.target = source, target
        use_safetensors = any(self.model_dir.glob("*.safetensors")) or None
        torch_dtype = torch.float16 if dtype == "float16" or (dtype == "auto" and self.device != "cpu") else torch.float32
        self._generate_extra: dict = {}
        if kind == "marian":
            from transformers import MarianMTModel, MarianTokenizer

            self.tokenizer = MarianTokenizer.from_pretrained(self.model_dir)
            model_cls = MarianMTModel
        elif kind == "nllb":
            from transformers import AutoTokenizer, M2M100ForConditionalGeneration

            self.tokenizer = AutoTokenizer.from_pretrained(
                self.model_dir, src_lang=nllb_code(source), trust_remote_code=False
            )
            target_id = self.tokenizer.convert_tokens_to_ids(nllb_code(target))
            if target_id is None or target_id == self.tokenizer.unk_token_id:
                raise InputError(f"the NLLB model in {self.model_dir} has no language code {nllb_code(target)}.")
            # NLLB picks its output language from the first generated token, so it is forced.
            self._generate_extra["forced_bos_token_id"] = target_id
            model_cls = M2M100ForConditionalGeneration
        else:
            raise InputError(f"the hf backend cannot run a model of kind {kind!r}.")
        with LOAD_LOCK:
            self.model = model_cls.from_pretrained(
                self.model_dir, trust_remote_code=False, use_safetensors=use_safetensors, dtype=torch_dtype
            )
        self.model.to(self.device).eval()
        self.dtype = str(torch_dtype).removeprefix("torch.")
        self._positions = int(getattr(self.model.config, "max_position_embeddings", None) or INPUT_TOKEN_CAP)
        self.max_input_tokens = input_token_limit(self.tokenizer, self._positions)

    @property
    def signature(self) -> dict:
        """What decides this backend's output besides the model and decoding options (part of the cache key)."""
        return {"backend": self.name, "dtype": self.dtype}

    def count_tokens(self, texts: list[str]) -> list[int]:
        """The number of input tokens (special tokens included) of each text."""
        return token_counts(self.tokenizer, texts)

    def translate_batch(self, texts: list[str], beam: int = 4, max_length: int = 512) -> list[str]:
        """Translate one batch with beam search (deterministic: no sampling); one output per input."""
        import torch

        if not texts:
            return []
        from transformers import LogitsProcessorList

        inputs = self.tokenizer(list(texts), return_tensors="pt", padding=True, truncation=False).to(self.device)
        lengths = inputs["attention_mask"].sum(dim=1).tolist()
        budgets = [output_budget(int(n), max_length, self._positions) for n in lengths]
        per_sentence = _SentenceBudgets(budgets, beam, self.model.generation_config.eos_token_id, self.device)
        with torch.inference_mode():
            output = self.model.generate(
                **inputs,
                num_beams=beam,
                do_sample=False,
                max_new_tokens=max(budgets),
                max_length=None,
                logits_processor=LogitsProcessorList([per_sentence]),
                **self._generate_extra,
            )
        return [text.strip() for text in self.tokenizer.batch_decode(output, skip_special_tokens=True)]


class _SentenceBudgets:
    """Ends every sentence's hypotheses at its own output budget by forcing </s> there.

    generate() has one max_new_tokens per batch; without this a sentence's output would depend on how long its
    batch-mates are, and the same sentence could come out differently (and be cached differently) in another batch.
    """

    def __init__(self, budgets: list[int], beams: int, eos: int | list[int], device: str) -> None:
        import torch

        self.eos = eos[0] if isinstance(eos, list) else int(eos)
        # Rows of the decoder batch are sentence-major: beams of sentence i are rows i*beams .. i*beams+beams-1.
        self.last_step = torch.tensor(budgets, device=device).repeat_interleave(beams) - 1

    def __call__(self, input_ids, scores):
        """Force </s> on rows whose next token is the last their budget allows."""
        generated = input_ids.shape[1] - 1  # minus the decoder start token
        rows = self.last_step == generated
        if bool(rows.any()):
            scores[rows] = float("-inf")
            scores[rows, self.eos] = 0.0
        return scores
