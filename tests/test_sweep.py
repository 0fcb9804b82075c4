"""`neurovision sweep` on dask.distributed: same results as the serial run, one result per job even when a
worker is killed mid-sweep, reruns skip finished jobs, failed jobs are reported after the others finish."""
from __future__ import annotations

import json

import pytest

from neurovision.sweep import SweepError, job_content, job_key, local_cluster, sweep

MODEL = "pixels"
BENCHMARKS = ["kriegeskorte2008.it_monkey", "kriegeskorte2008.it_human"]
N_BOOT = 20


@pytest.fixture(scope="module")
def cluster(data_mirror, tmp_path_factory):
    """A 2-worker local cluster, built as sweep() builds its default, with an isolated cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEUROVISION_CACHE", str(tmp_path_factory.mktemp("worker_cache")))
        cl = local_cluster(2)  # the workers get NEUROVISION_* (cache, data) explicitly
        try:
            yield cl
        finally:
            cl.close()


def _result_files(out):
    """{(model, benchmark): score} from the result files; fails on a job stored twice or a partial file."""
    assert not [p for p in out.iterdir() if p.suffix != ".json"], "partial files left behind"
    found = {}
    for path in out.glob("*.json"):
        record = json.loads(path.read_text())
        job = (record["job"]["model"], record["job"]["benchmark"])
        assert job not in found, f"{job} stored twice"
        assert path.stem == job_key(*job, N_BOOT, 0, record["job"]["content"])
        found[job] = record["score"]
    return found


def test_two_worker_cluster_equals_serial_run(cluster, tmp_path, monkeypatch):
    import neurovision as nv
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "serial_cache"))  # a cache of its own: recomputed
    model = nv.load_model(MODEL)
    serial = {(MODEL, b): nv.load_benchmark(b)(model, n_boot=N_BOOT, seed=0, progress=False).to_dict()
              for b in BENCHMARKS}

    out = tmp_path / "sweep"
    table = sweep([MODEL], BENCHMARKS, n_boot=N_BOOT, seed=0, scheduler=cluster.scheduler_address,
                  out=out, progress=False)
    assert _result_files(out) == serial  # every field, provenance included, identical
    assert list(zip(table["model"], table["benchmark"])) == list(serial)
    for row, expected in zip(table.to_dict("records"), serial.values()):
        assert {k: row[k] for k in ("layer", "raw", "ci_low", "ci_high", "n_boot")} == \
               {k: expected[k] for k in ("layer", "raw", "ci_low", "ci_high", "n_boot")}

    # a rerun reads the files and never contacts a scheduler (this address has none)
    again = sweep([MODEL], BENCHMARKS, n_boot=N_BOOT, seed=0, scheduler="tcp://127.0.0.1:9", out=out,
                  progress=False)
    assert again.equals(table)


def test_worker_killed_mid_sweep_loses_and_duplicates_nothing(cluster, tmp_path):
    flag, log = tmp_path / "killed_once", tmp_path / "completed.log"

    def job(model, benchmark, n_boot, seed):  # pickled by value: a nested function
        import os
        import signal

        from neurovision.sweep import score_job
        if benchmark == "kriegeskorte2008.it_human" and not flag.exists():
            flag.touch()
            os.kill(os.getpid(), signal.SIGKILL)  # the worker process dies mid-job; its nanny restarts it
        result = score_job(model, benchmark, n_boot, seed)
        with open(log, "a") as f:
            f.write(f"{benchmark}\n")
        return result

    out = tmp_path / "sweep"
    table = sweep([MODEL], BENCHMARKS, n_boot=N_BOOT, seed=0, scheduler=cluster.scheduler_address, out=out,
                  progress=False, job=job)
    assert flag.exists()  # the kill happened
    assert set(_result_files(out)) == {(MODEL, b) for b in BENCHMARKS}  # each job exactly once
    assert sorted(log.read_text().split()) == sorted(BENCHMARKS)  # the killed attempt was rerun, once
    assert len(table) == 2 and table["raw"].notna().all()

    # a deleted result is recomputed alone on the next run
    content = job_content([MODEL], BENCHMARKS)[(MODEL, BENCHMARKS[0])]
    (out / f"{job_key(MODEL, BENCHMARKS[0], N_BOOT, 0, content)}.json").unlink()
    again = sweep([MODEL], BENCHMARKS, n_boot=N_BOOT, seed=0, scheduler=cluster.scheduler_address, out=out,
                  progress=False, job=job)
    assert log.read_text().split().count(BENCHMARKS[0]) == 2 and log.read_text().split().count(BENCHMARKS[1]) == 1
    assert again.equals(table)


def test_failed_job_reported_after_the_others_on_the_default_local_cluster(tmp_path, monkeypatch):
    """Default scheduler (a LocalCluster started and closed by sweep); cheap jobs, one of which always fails."""
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))

    def job(model, benchmark, n_boot, seed):
        if benchmark == "kriegeskorte2008.it_human":
            raise RuntimeError("boom")
        return {"model": model, "benchmark": benchmark, "layer": "pixels", "raw": 0.5, "n_boot": n_boot,
                "seed": seed}

    with pytest.raises(SweepError, match="1 of 2 sweep jobs failed") as err:
        sweep(MODEL, ",".join(BENCHMARKS), n_boot=N_BOOT, n_workers=1, retries=0, progress=False, job=job)
    assert list(err.value.failures) == [(MODEL, "kriegeskorte2008.it_human")]
    assert "RuntimeError: boom" in str(err.value)
    assert list(err.value.table["benchmark"]) == ["kriegeskorte2008.it_monkey"]  # its file was written


def test_a_model_changed_under_the_same_name_is_rescored(tmp_path, monkeypatch, data_mirror):
    """Job files are keyed by what the model is, not by its name: re-registering a different network under the
    same name gives a new job (the old result is not served)."""
    import numpy as np
    import torch

    import neurovision as nv
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))
    log = tmp_path / "ran.log"

    def job(model, benchmark, n_boot, seed):
        with open(log, "a") as f:
            f.write(f"{model}\n")
        return {"model": model, "benchmark": benchmark, "layer": "x", "raw": 0.5, "n_boot": n_boot, "seed": seed}

    def build(act):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3, stride=4), act, torch.nn.Flatten())
        pre = lambda im: torch.from_numpy(np.asarray(im, np.float32)[:, :32, :32] / 255).permute(0, 3, 1, 2)  # noqa: E731
        return nv.from_torch(net, preprocess=pre, layers=["1"], region_layer_map={"IT": "1"}, identifier="swept")

    bench = ["kriegeskorte2008.it_human"]
    nv.register_model("swept", lambda: build(torch.nn.ReLU()))
    first = job_content(["swept"], bench)
    sweep(["swept"], bench, n_boot=N_BOOT, n_workers=1, out=tmp_path / "out", progress=False, job=job)
    nv.register_model("swept", lambda: build(torch.nn.Tanh()), overwrite=True)
    assert job_content(["swept"], bench) != first
    sweep(["swept"], bench, n_boot=N_BOOT, n_workers=1, out=tmp_path / "out", progress=False, job=job)
    assert log.read_text().split() == ["swept", "swept"]  # scored again, not read from the first file


def test_unknown_names_fail_before_any_cluster_starts(tmp_path):
    from neurovision.errors import UnknownNameError
    with pytest.raises(UnknownNameError, match="no_such_benchmark"):
        sweep([MODEL], ["no_such_benchmark"], scheduler="tcp://127.0.0.1:9", out=tmp_path)


def test_cli_parser():
    from neurovision.cli import build_parser
    parser = build_parser()
    args = parser.parse_args(["sweep", "pixels,cornet_like", "kriegeskorte2008.it_human", "--scheduler",
                              "tcp://10.0.0.1:8786", "--n-workers", "4", "--n-boot", "50", "--out", "x"])
    assert (args.models, args.scheduler, args.n_workers, args.n_boot, args.out) == \
           ("pixels,cornet_like", "tcp://10.0.0.1:8786", 4, 50, "x")
    assert callable(args.func)
