"""Progress bars: one place that decides whether they are shown, and one way to make them.

Every step that can take more than a few seconds (activation batches, benchmarks, recording sessions, bootstrap
resamples, cross-validation folds, figures, downloads) shows a labelled tqdm bar made by :func:`bar`. Bars are on by
default and off inside ``with progress(False):`` — what a benchmark call with ``progress=False`` and the command
line's ``--quiet`` use — so a caller silences everything below it without threading a flag through every function.
Bars appear only after ``delay`` seconds (tqdm's ``delay``), so quick steps print nothing.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterable, Iterator

from tqdm.auto import tqdm

_ENABLED: ContextVar[bool] = ContextVar("neurovision_progress", default=True)


def enabled() -> bool:
    """Whether progress bars are shown in the current context."""
    return _ENABLED.get()


@contextmanager
def progress(on: bool = True) -> Iterator[None]:
    """Show (``on=True``) or hide progress bars inside the block; an outer ``False`` wins over an inner ``True``."""
    token = _ENABLED.set(_ENABLED.get() and bool(on))
    try:
        yield
    finally:
        _ENABLED.reset(token)


def bar(iterable: Iterable | None = None, *, desc: str, unit: str = "it", total: int | None = None,
        disable: bool = False, delay: float = 2.0, leave: bool = False) -> tqdm:
    """A tqdm bar labelled ``desc`` counting ``unit``, hidden when bars are off (:func:`progress`) or ``disable``."""
    return tqdm(iterable, desc=desc, unit=unit, total=total, disable=disable or not enabled(), delay=delay,
                leave=leave)
