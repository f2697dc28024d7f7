"""Randomly initialised MarianMT and NLLB models built offline, for tests and benchmarks only.

They use the real model and tokenizer classes, so every code path of loading and decoding runs as it does for
opus-mt or NLLB, but their weights are random: their output is NOT a translation. Each model's config.json carries
``"xling_random_fixture": true`` so that a Translator loading one warns loudly. Weights are drawn with a large
`init_std` (0.5 rather than the usual 0.02) so that different inputs give different outputs, which tests of batch
order and caching need; with tiny initial weights every input decodes to the same string.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

FIXTURE_FLAG = "xling_random_fixture"


def _seed_lines(text_files: Sequence[str | Path]) -> list[str]:
    """Non-empty lines of the seed texts, the training data for the tiny SentencePiece models."""
    lines: list[str] = []
    for path in text_files:
        lines.extend(line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines())
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError("the seed text files hold no text to train a SentencePiece model on")
    return lines


def _train_spm(lines: Iterable[str], vocab_size: int, model_type: str) -> bytes:
    """Train a SentencePiece model in memory and return its serialised bytes."""
    import sentencepiece as spm

    buf = io.BytesIO()
    # hard_vocab_limit=False: a few seed articles cannot always fill the asked-for vocabulary.
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(lines)),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    return buf.getvalue()


def _mark_fixture(path: Path) -> None:
    """Set the random-fixture flag in config.json so loaders can warn that output is meaningless."""
    config_file = path / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config[FIXTURE_FLAG] = True
    config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _architecture(d_model: int, layers: int, heads: int, ffn: int, max_positions: int, init_std: float) -> dict:
    """Config entries shared by the Marian and M2M100 fixtures: the transformer's dimensions."""
    return dict(
        d_model=d_model, encoder_layers=layers, decoder_layers=layers, encoder_attention_heads=heads,
        decoder_attention_heads=heads, encoder_ffn_dim=ffn, decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions, max_length=max_positions, scale_embedding=True, init_std=init_std,
    )


def _save_random(model_cls: type, config: object, seed: int, out: Path) -> None:
    """Initialise `model_cls` from `config` with a fixed seed, save it as safetensors and flag it as a fixture."""
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a per-save progress bar is noise in test and benchmark logs
    torch.manual_seed(seed)
    model = model_cls(config).eval()
    model.save_pretrained(out, safe_serialization=True)
    _mark_fixture(out)


def build_tiny_marian(
    path: str | Path,
    vocab_text_files: Sequence[str | Path],
    *,
    d_model: int = 32,
    layers: int = 1,
    heads: int = 2,
    ffn: int = 64,
    vocab_size: int = 600,
    max_positions: int = 128,
    init_std: float = 0.5,
    seed: int = 0,
) -> Path:
    """Build a random MarianMTModel with a SentencePiece vocabulary trained on the seed texts; return its folder.

    `vocab_size` above what the seed texts can fill is padded with placeholder entries so the embedding matrix
    has the asked-for size (opus-mt-de-en: d_model=512, layers=6, heads=8, ffn=2048, vocab_size=58101).
    """
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    spm_bytes = _train_spm(_seed_lines(vocab_text_files), min(vocab_size - 3, 4000), "unigram")
    # opus-mt ships separate source and target SentencePiece models over one shared vocabulary.
    (out / "source.spm").write_bytes(spm_bytes)
    (out / "target.spm").write_bytes(spm_bytes)

    import sentencepiece as spm

    proc = spm.SentencePieceProcessor(model_proto=spm_bytes)
    pieces = [proc.id_to_piece(i) for i in range(proc.get_piece_size())]
    # Marian's convention: </s> is 0, <unk> is 1 and <pad> is the last id (also the decoder start).
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in pieces:
        if piece not in vocab and piece not in ("<s>", "<pad>"):
            vocab[piece] = len(vocab)
    while len(vocab) < vocab_size - 1:
        vocab[f"<xling_unused_{len(vocab)}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    pad_id = vocab["<pad>"]

    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        model_max_length=max_positions,
    )
    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        activation_function="swish",
        pad_token_id=pad_id,
        decoder_start_token_id=pad_id,
        eos_token_id=0,
        forced_eos_token_id=0,
        bad_words_ids=[[pad_id]],
        num_beams=4,
        **_architecture(d_model, layers, heads, ffn, max_positions, init_std),
    )
    tokenizer.save_pretrained(out)
    _save_random(MarianMTModel, config, seed, out)
    return out


def build_tiny_nllb(
    path: str | Path,
    vocab_text_files: Sequence[str | Path],
    *,
    d_model: int = 32,
    layers: int = 1,
    heads: int = 2,
    ffn: int = 64,
    vocab_size: int = 600,
    max_positions: int = 128,
    init_std: float = 0.5,
    seed: int = 0,
) -> Path:
    """Build a random M2M100ForConditionalGeneration with an NLLB tokenizer (all 202 language codes); return its folder.

    The vocabulary is the SentencePiece pieces plus the language codes, padded up to `vocab_size` when that is larger
    (nllb-200-distilled-600M: d_model=1024, layers=12, heads=16, ffn=4096, vocab_size=256206).
    """
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    spm_size = max(100, min(vocab_size - len(FAIRSEQ_LANGUAGE_CODES), 4000))
    (out / "sentencepiece.bpe.model").write_bytes(_train_spm(_seed_lines(vocab_text_files), spm_size, "bpe"))
    tokenizer = NllbTokenizer.from_pretrained(
        str(out), extra_special_tokens=list(FAIRSEQ_LANGUAGE_CODES), model_max_length=max_positions
    )
    if tokenizer.convert_tokens_to_ids("eng_Latn") == tokenizer.unk_token_id:
        raise RuntimeError("the NLLB tokenizer was built without its language codes")
    tokenizer.save_pretrained(out)

    config = M2M100Config(
        vocab_size=max(len(tokenizer), vocab_size),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        tokenizer_class="NllbTokenizer",
        **_architecture(d_model, layers, heads, ffn, max_positions, init_std),
    )
    _save_random(M2M100ForConditionalGeneration, config, seed, out)
    return out
