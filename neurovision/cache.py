"""The one visible cache directory: converted weights, downloaded data, scored results.

Everything neurovision stores lives under :func:`cache_dir` (``$NEUROVISION_CACHE``, default
``~/.cache/neurovision``), in sub-folders by kind (``data/``, ``weights/``, ``results/``).
Entries are keyed by content (a sha256 over everything that determines them) and written
atomically: a file is written to a temporary name in the same folder and renamed into place,
so a run killed mid-write never leaves a half-written entry that a later run would read.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator, overload

ENV_VAR = "NEUROVISION_CACHE"
#: the sub-folders neurovision writes (``cache clear --kind`` accepts only these)
KINDS = ("data", "weights", "results")
_ENABLED: ContextVar[bool] = ContextVar("neurovision_cache_enabled", default=True)


def enabled() -> bool:
    """Whether scored results may be read from and written to the cache (see :func:`caching`)."""
    return _ENABLED.get()


@contextmanager
def caching(on: bool = True) -> Iterator[None]:
    """Turn the result cache on or off for the code inside the ``with`` block (``cache=False`` of every
    benchmark call, ``--no-cache`` of the CLI). Off: nothing is read from ``results/`` (model RDMs,
    predictions, scores) and nothing is written there; downloaded data and converted weights, which are
    verified by sha256, are still used."""
    token = _ENABLED.set(bool(on) and _ENABLED.get())
    try:
        yield
    finally:
        _ENABLED.reset(token)


def cache_dir(kind: str | None = None) -> Path:
    """Root of the cache (or its sub-folder ``kind``), created if missing."""
    root = Path(os.environ.get(ENV_VAR) or Path.home() / ".cache" / "neurovision").expanduser()
    path = root / kind if kind else root
    path.mkdir(parents=True, exist_ok=True)
    return path


def content_key(*parts: Any) -> str:
    """sha256 (hex, first 32 chars) of a JSON rendering of ``parts`` (bytes are hashed directly)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, (bytes, bytearray, memoryview)):
            h.update(bytes(part))
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\x00")
    return h.hexdigest()[:32]


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Full sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)  # mkstemp makes owner-only files; cache entries are ordinary files
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_json_atomic(target: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as JSON to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str))
    return Path(target)


def info(kind: str | None = None) -> dict[str, Any]:
    """Size (bytes) and number of files per cache sub-folder (only ``kind`` when given)."""
    root = cache_dir()
    kinds: dict[str, dict[str, int]] = {}
    out: dict[str, Any] = {"root": str(root), "kinds": kinds}
    subs = [root / check_kind(kind)] if kind else sorted(p for p in root.iterdir() if p.is_dir())
    for sub in (p for p in subs if p.is_dir()):
        files = [p for p in sub.rglob("*") if p.is_file()]
        kinds[sub.name] = {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    return out


@overload
def check_kind(kind: str) -> str: ...


@overload
def check_kind(kind: None) -> None: ...


def check_kind(kind: str | None) -> str | None:
    """``kind`` if it is None or one of :data:`KINDS`; otherwise a ValueError (never a path)."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown cache kind {kind!r}; the cache has the kinds {', '.join(KINDS)}")
    return kind


def clear(kind: str | None = None) -> Path:
    """Delete the whole cache, or one of its sub-folders :data:`KINDS`; returns the folder removed."""
    path = cache_dir(check_kind(kind))
    shutil.rmtree(path)
    return path
