"""The cache: one visible directory, content keys, atomic writes that survive a killed process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np

from neurovision import cache


def test_cache_dir_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "c"))
    assert cache.cache_dir("results") == tmp_path / "c" / "results" and (tmp_path / "c" / "results").is_dir()


def test_content_key_depends_on_every_part():
    base = cache.content_key("a", 1, [1, 2], b"x")
    assert base == cache.content_key("a", 1, [1, 2], b"x")
    for other in (("b", 1, [1, 2], b"x"), ("a", 2, [1, 2], b"x"), ("a", 1, [2, 1], b"x"), ("a", 1, [1, 2], b"y")):
        assert cache.content_key(*other) != base


def test_killed_writer_leaves_no_entry_then_rerun_succeeds(tmp_path):
    """SIGKILL a process in the middle of an atomic write: the target never appears half-written."""
    target = tmp_path / "entry.npy"
    script = textwrap.dedent(f"""
        import sys, time
        from neurovision.cache import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            with open(tmp, "wb") as f:
                f.write(b"partial" * 1000)
                f.flush()
                print("writing", flush=True)
                time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not target.exists()
    leftovers = list(tmp_path.glob(".entry.npy.*.part"))
    assert len(leftovers) == 1  # the temp file of the killed write, never read as an entry
    with cache.atomic_path(target) as tmp:
        np.save(open(tmp, "wb"), np.arange(3))
    assert np.load(target).tolist() == [0, 1, 2]


def test_killed_scoring_run_then_rerun_gives_the_same_score(data_mirror, tmp_path, monkeypatch):
    """Kill a scoring run while it writes its result; a rerun computes and caches a correct score."""
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path))
    script = textwrap.dedent("""
        import time
        import neurovision.cache as c
        from neurovision.benchmarks import load_benchmark
        from neurovision.models.ventral.pixels import build
        real = c.write_json_atomic
        def slow(target, obj):
            with c.atomic_path(target) as tmp:
                tmp.write_text('{"raw": ')
                print("writing", flush=True)
                time.sleep(60)
        import neurovision.scores as s
        s.write_json_atomic = slow
        load_benchmark("kriegeskorte2008.it_monkey")(build(), n_boot=20, progress=False)
    """)
    env = dict(os.environ, NEUROVISION_CACHE=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not list((tmp_path / "results" / "scores").glob("*.json"))
    from neurovision.benchmarks import load_benchmark
    from neurovision.models.ventral.pixels import build
    first = load_benchmark("kriegeskorte2008.it_monkey")(build(), n_boot=20, progress=False)
    assert len(list((tmp_path / "results" / "scores").glob("*.json"))) == 1
    again = load_benchmark("kriegeskorte2008.it_monkey")(build(), n_boot=20, progress=False)
    assert again.to_dict() == first.to_dict()


def test_cache_cli_info_and_clear(tmp_path, monkeypatch, capsys):
    from neurovision.cli import main
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path))
    (cache.cache_dir("results") / "x.json").write_text("{}")
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path) in out and "results" in out and "1 files" in out
    assert main(["cache", "clear", "--kind", "results"]) == 0
    assert not (tmp_path / "results" / "x.json").exists()
