"""One thread count for every engine: --threads / $XLING_THREADS reach torch, CTranslate2 and OpenMP."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from translate import threads
from translate.errors import InputError
from xling.cli import main

VARS = ("XLING_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@pytest.fixture
def clean_env(monkeypatch):
    """Thread variables restored after the test, and torch's pool size too."""
    import os

    import torch

    saved = {var: os.environ.get(var) for var in VARS}
    for var in VARS:
        monkeypatch.delenv(var, raising=False)
    before = torch.get_num_threads()
    yield monkeypatch
    torch.set_num_threads(before)
    for var, value in saved.items():  # use_threads writes os.environ directly, past monkeypatch
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value


def test_count_defaults_to_the_available_cores_and_reads_the_variable(clean_env):
    assert threads.thread_count() == threads.available_cores() >= 1
    clean_env.setattr(threads, "available_cores", lambda: 4)  # 3 threads fit on any machine this test runs on
    clean_env.setenv("XLING_THREADS", "3")
    assert threads.thread_count() == 3
    for bad in ("0", "two", "-1"):
        clean_env.setenv("XLING_THREADS", bad)
        with pytest.raises(InputError, match="XLING_THREADS"):
            threads.thread_count()


def test_cli_option_sets_every_engine(clean_env):
    import os

    import torch

    res = CliRunner().invoke(main, ["--threads", "1", "cache", "stats", "--help"])
    assert res.exit_code == 0, res.output
    assert all(os.environ[var] == "1" for var in VARS)
    assert torch.get_num_threads() == 1


def test_numpy_blas_runs_one_thread_unless_the_user_chose(clean_env):
    import os

    clean_env.setattr(threads, "available_cores", lambda: 4)
    threads.use_threads(3)
    assert os.environ["OMP_NUM_THREADS"] == "3" and os.environ["OPENBLAS_NUM_THREADS"] == "1"
    os.environ["OPENBLAS_NUM_THREADS"] = "2"
    threads.use_threads(3)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "2"


def test_cli_rejects_a_bad_count(clean_env):
    res = CliRunner().invoke(main, ["--threads", "0", "models"])
    assert res.exit_code == 2 and "--threads" in res.output
    clean_env.setenv("XLING_THREADS", "many")
    res = CliRunner().invoke(main, ["models"])
    assert res.exit_code == 2 and "XLING_THREADS" in res.output


def test_ct2_gets_the_count_instead_of_its_default_of_four(clean_env, tiny_marian_dir, tmp_path):
    ctranslate2 = pytest.importorskip("ctranslate2")
    from translate.ct2_backend import CT2Backend

    seen = {}
    real = ctranslate2.Translator

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    clean_env.setattr(ctranslate2, "Translator", spy)
    clean_env.setenv("XLING_THREADS", "1")
    CT2Backend(tiny_marian_dir, "marian", device="cpu", cache_root=tmp_path)
    assert seen["intra_threads"] == 1
    CT2Backend(tiny_marian_dir, "marian", device="cpu", cache_root=tmp_path, threads=2)
    assert (seen["inter_threads"], seen["intra_threads"]) == (1, 2)  # one worker using every thread


def test_wait_policy_is_passive_unless_the_user_chose_one(clean_env):
    import os

    clean_env.delenv("OMP_WAIT_POLICY", raising=False)
    assert threads.use_runtime_defaults() == "PASSIVE" == os.environ["OMP_WAIT_POLICY"]
    clean_env.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert threads.use_runtime_defaults() == "ACTIVE" == os.environ["OMP_WAIT_POLICY"]
    threads.use_threads(1)
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"


def test_cli_sets_the_wait_policy_before_any_engine_loads(clean_env):
    import os

    clean_env.delenv("OMP_WAIT_POLICY", raising=False)
    res = CliRunner().invoke(main, ["cache", "stats", "--help"])
    assert res.exit_code == 0, res.output
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
