"""Scale-out: every model × benchmark job of a sweep, run on a dask.distributed cluster.

:func:`sweep` builds the job list (the Cartesian product of model names and benchmark names), skips
the jobs whose result file already exists, and submits the rest to a dask.distributed client — a
:class:`distributed.LocalCluster` of ``n_workers`` single-threaded worker processes by default, or
an existing cluster given by its scheduler address. A job builds its model and benchmark *by name*
inside the worker (nothing large crosses the network), scores with the benchmark's defaults (the
model's committed layer) and returns ``Score.to_dict()``.

Fault tolerance rests on two facts:

* a task is owned by the scheduler, not by a worker: if the worker running it dies, the task is
  rescheduled on another worker (up to ``distributed.scheduler.allowed-failures`` deaths), and a
  job that *raises* is retried ``retries`` times;
* results are written by this (the client) process as they arrive, one JSON file per job, named by
  a content key of the job (model and benchmark names and what they are — the model's fingerprint and the
  benchmark's content key, see :func:`job_content` — n_boot, seed, neurovision version) and written
  atomically (temporary file + rename). A job therefore has at most one file, a file is either
  absent or complete, and a rerun — after a killed worker, a killed client, or a failed job — runs
  only the jobs without a file.

The client writes the files, so ``out`` need only exist where :func:`sweep` is called; workers of a
remote cluster must have neurovision installed and its data reachable (``NEUROVISION_DATA``).
"""
from __future__ import annotations

import itertools
import json
import logging
import os
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from . import __version__
from .cache import cache_dir, content_key, write_json_atomic
from .errors import NeurovisionError, unknown_name

__all__ = ["sweep", "score_job", "job_key", "local_cluster", "SweepError", "format_table"]

#: columns of the table :func:`sweep` returns (Score fields without provenance), in order
COLUMNS = ["model", "benchmark", "layer", "raw", "ci_low", "ci_high", "ceiling_lower", "ceiling_upper",
           "ceiled", "ceiled_ci_low", "ceiled_ci_high", "metric", "n_boot", "seed", "notes"]


class SweepError(NeurovisionError):
    """Some jobs of a sweep failed after their retries; the finished jobs' results are on disk.

    ``failures`` maps ``(model, benchmark)`` to the error's text; ``table`` holds the finished rows.
    """

    def __init__(self, message: str, failures: dict, table: pd.DataFrame):
        super().__init__(message)
        self.failures = failures
        self.table = table


def score_job(model: str, benchmark: str, n_boot: int, seed: int) -> dict:
    """One job, run in a worker: build ``model`` and ``benchmark`` by name, score, return ``Score.to_dict()``.

    The benchmark's own result cache (``cache_dir("results")/"scores"`` of the worker) applies, so a
    job that was already scored on that machine costs seconds. Errors propagate (dask retries them).
    """
    from . import load_benchmark, load_model
    bench = load_benchmark(benchmark)
    return bench(load_model(model), n_boot=n_boot, seed=seed, progress=False).to_dict()


def job_key(model: str, benchmark: str, n_boot: int, seed: int, content: str = "") -> str:
    """Key of one job: its result file is ``<out>/<key>.json``. ``content`` is :func:`job_content` of the pair —
    what the model and the benchmark *are* — so a model or benchmark changed under the same name gets a new file
    instead of the old result."""
    return content_key("sweep-job", __version__, model, benchmark, int(n_boot), int(seed), content)


def job_content(models: Sequence[str], benchmarks: Sequence[str]) -> dict[tuple[str, str], str]:
    """``{(model, benchmark): key}`` from each model's :meth:`~neurovision.models.base.Model.fingerprint` (all
    layers) and each benchmark's :meth:`~neurovision.benchmarks.base.Benchmark.content_key`, computed here, in the
    client (each model and benchmark is built once)."""
    from . import load_benchmark, load_model
    model_keys = {m: load_model(m).fingerprint() for m in models}
    bench_keys = {b: load_benchmark(b).content_key() for b in benchmarks}
    return {(m, b): content_key(model_keys[m], bench_keys[b]) for m in models for b in benchmarks}


def default_out(n_boot: int, seed: int) -> Path:
    """``cache_dir("results")/"sweeps"/<key>``, the key over the settings shared by all jobs.

    The folder is shared by every sweep with these settings, so overlapping sweeps reuse each other's
    finished jobs; job files are keyed by content (:func:`job_key`), so a changed model or benchmark is rescored.
    """
    return cache_dir("results") / "sweeps" / content_key("sweep", __version__, int(n_boot), int(seed))


def _unique(names: Iterable[str] | str) -> list[str]:
    if isinstance(names, str):
        names = names.split(",")
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def _check_names(models: Sequence[str], benchmarks: Sequence[str]) -> None:
    """Fail fast, before any cluster starts, on names no worker could build (with the closest known names)."""
    from .benchmarks.registry import UnknownBenchmarkError, benchmark_names
    from .models.registry import model_names
    known = benchmark_names()
    for name in benchmarks:
        if name not in known:
            raise UnknownBenchmarkError(unknown_name("benchmark", name, known))
    registered = set(model_names())
    from . import load_model
    for name in models:
        if name not in registered:
            load_model(name)  # raises the clear error (unknown name, or an architecture without weights)


def _read_result(path: Path) -> dict:
    return json.loads(path.read_text())["score"]


def _table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows], columns=COLUMNS)


def _worker_env() -> dict:
    """neurovision's environment variables, handed explicitly to local worker processes."""
    return {k: v for k, v in os.environ.items() if k.startswith("NEUROVISION_")}


def local_cluster(n_workers: int = 2, env: dict | None = None):
    """The default cluster of :func:`sweep`: ``n_workers`` worker processes with one thread each.

    ``env`` (default: this process's ``NEUROVISION_*`` variables — cache and data locations) is set in
    every worker process, including workers the nanny restarts after a crash. The dashboard (when
    bokeh is installed) gets a free port.
    """
    from distributed import LocalCluster
    return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                        env=_worker_env() if env is None else env, silence_logs=logging.ERROR)


def sweep(models: Iterable[str] | str, benchmarks: Iterable[str] | str, n_boot: int = 1000, seed: int = 0,
          scheduler=None, n_workers: int = 2, out: str | os.PathLike | None = None, retries: int = 2,
          progress: bool = True, job: Callable[[str, str, int, int], dict] = score_job) -> pd.DataFrame:
    """Score every model × benchmark pair on a dask.distributed cluster; one row per job.

    Parameters
    ----------
    models, benchmarks : names (lists, or comma-separated strings); duplicates are dropped. Names are
        checked against the registries before anything starts (``UnknownNameError`` otherwise).
    n_boot, seed : passed to every benchmark call.
    scheduler : ``None`` starts a :class:`~distributed.LocalCluster` of ``n_workers`` processes with
        one thread each (neurovision's ``NEUROVISION_*`` environment passed to them) and closes it at
        the end; a scheduler address (``"tcp://host:8786"``) connects to an existing cluster; a
        :class:`~distributed.Client` is used as it is (and left open).
    out : folder of the result files (default :func:`default_out`); one ``<job_key>.json`` per job,
        holding ``{"job": {...}, "score": Score.to_dict()}``, written atomically as results arrive.
    retries : how often a job that raises is resubmitted (a job whose *worker dies* is rescheduled
        by the scheduler regardless, up to ``distributed.scheduler.allowed-failures`` times).
    job : the function run per job, ``job(model, benchmark, n_boot, seed) -> dict`` of Score fields
        (default :func:`score_job`); it must be importable or picklable by the workers.

    Returns
    -------
    pandas.DataFrame with columns :data:`COLUMNS`, one row per job in job order (models outer,
    benchmarks inner), from the result files — finished earlier or now.

    Raises
    ------
    SweepError
        after every other job has finished and been written, when some jobs still failed; it carries
        the failures and the finished rows. Rerunning the same sweep runs only the missing jobs.
    """
    models, benchmarks = _unique(models), _unique(benchmarks)
    _check_names(models, benchmarks)
    out = Path(out) if out is not None else default_out(n_boot, seed)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(m, b) for m, b in itertools.product(models, benchmarks)]
    contents = job_content(models, benchmarks)
    paths = {jb: out / f"{job_key(*jb, n_boot, seed, contents[jb])}.json" for jb in jobs}
    pending = [jb for jb in jobs if not paths[jb].is_file()]
    failures: dict[tuple[str, str], str] = {}
    if pending:
        failures = _run(pending, paths, contents, n_boot, seed, scheduler, n_workers, retries, progress, job,
                        done=len(jobs) - len(pending))
    rows = [_read_result(paths[jb]) for jb in jobs if paths[jb].is_file()]
    table = _table(rows)
    if failures:
        lines = "\n".join(f"  {m} × {b}: {err}" for (m, b), err in failures.items())
        raise SweepError(f"{len(failures)} of {len(jobs)} sweep jobs failed (finished results are in {out}; "
                         f"rerun to retry only the failed jobs):\n{lines}", failures, table)
    return table


def _run(pending, paths, contents, n_boot, seed, scheduler, n_workers, retries, progress, job, done) -> dict:
    """Submit ``pending`` jobs, write each result as it arrives; return ``{job: error text}`` of failures."""
    from distributed import Client, as_completed
    from tqdm.auto import tqdm

    cluster = None
    if scheduler is None:
        cluster = local_cluster(max(1, min(n_workers, len(pending))))
        client = Client(cluster)
    elif isinstance(scheduler, Client):
        client = scheduler
    else:
        client = Client(scheduler)
    failures: dict[tuple[str, str], str] = {}
    fn_name = f"{getattr(job, '__module__', '')}.{getattr(job, '__qualname__', repr(job))}"
    try:
        futures = {}
        for model, bench in pending:
            key = f"neurovision-sweep-{content_key(fn_name, paths[(model, bench)].stem)}"
            fut = client.submit(job, model, bench, n_boot, seed, key=key, retries=retries)
            futures[fut] = (model, bench)
        bar = tqdm(total=done + len(pending), initial=done, desc="sweep", unit="job", disable=not progress)
        for fut in as_completed(list(futures)):
            model, bench = futures[fut]
            if fut.status == "finished":
                score = fut.result()
                write_json_atomic(paths[(model, bench)], {
                    "job": {"model": model, "benchmark": bench, "n_boot": n_boot, "seed": seed,
                            "neurovision": __version__, "content": contents[(model, bench)]},
                    "score": score})
            else:  # "error" after the retries, or "cancelled" (e.g. the scheduler went away)
                try:
                    err = fut.exception()
                except Exception as exc:  # noqa: BLE001 - a cancelled future raises here
                    err = exc
                failures[(model, bench)] = f"{type(err).__name__}: {err}"
            fut.release()
            bar.update(1)
        bar.close()
    finally:
        if client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()
    return failures


# ---------------------------------------------------------------------------- table
def _fmt(v) -> str:
    return f"{v:7.3f}" if isinstance(v, (int, float)) and v == v else f"{'—':>7}"


def format_table(table: pd.DataFrame) -> str:
    """The sweep table as printed by ``neurovision sweep``."""
    lines = [f"{'model':<24} {'benchmark':<28} {'layer':<22} {'raw':>7} {'CI low':>7} {'CI high':>7} "
             f"{'ceil up':>7} {'ceiled':>7}"]
    for r in table.itertuples(index=False):
        lines.append(f"{r.model:<24} {r.benchmark:<28} {str(r.layer):<22} {_fmt(r.raw)} {_fmt(r.ci_low)} "
                     f"{_fmt(r.ci_high)} {_fmt(r.ceiling_upper)} {_fmt(r.ceiled)}")
    return "\n".join(lines)

