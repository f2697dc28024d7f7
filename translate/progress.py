"""Progress on stderr with one switch for the whole process, so `-q/--quiet` silences every bar whichever layer
draws it (preparation, embedding, translation, matching)."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

_ENABLED = [True]


def progress_enabled() -> bool:
    """Whether progress may be shown at all (False after set_progress(False), as `-q` does)."""
    return _ENABLED[0]


def set_progress(enabled: bool) -> bool:
    """Switch progress on or off for the process; returns the previous setting, to restore it afterwards."""
    previous, _ENABLED[0] = _ENABLED[0], bool(enabled)
    return previous


def progress_bar(total: float | None, desc: str, unit: str = "it", enabled: bool = True, **options: Any):
    """A tqdm bar on stderr, drawing nothing when `enabled` is False or progress is switched off."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True,
                disable=not (enabled and progress_enabled()), **options)


def progress_note(message: str) -> None:
    """One line on stderr saying what a slow step without a count is doing (loading a model); nothing when off."""
    if progress_enabled():
        print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def busy(desc: str, after: float = 1.0) -> Iterator[None]:
    """A line on stderr counting the seconds of a step that has no count to show (a whole alignment), from `after`
    seconds on, so a quick step prints nothing; cleared when the step ends."""
    if not progress_enabled():
        yield
        return
    from tqdm import tqdm

    line = tqdm(total=None, desc=desc, bar_format="{desc}: {elapsed}", file=sys.stderr, leave=False, delay=after)
    with line, ticking(line):
        yield


@contextlib.contextmanager
def ticking(bar: Any) -> Iterator[Any]:
    """Redraw `bar` every second while the block runs, so its clock moves between updates that come slowly (one
    batch of long sentences takes seconds on a busy machine)."""
    if getattr(bar, "disable", True):
        yield bar
        return
    stop = threading.Event()

    def tick() -> None:
        # tqdm redraws only when told; between slow updates a clock has to tell it.
        while not stop.wait(1.0):
            bar.refresh()

    clock = threading.Thread(target=tick, daemon=True, name="xling-progress")
    clock.start()
    try:
        yield bar
    finally:
        stop.set()
        clock.join()
