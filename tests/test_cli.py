"""The `neurovision` command end to end on the real data (pretrained MobileNetV1, Kriegeskorte 2008)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from neurovision.cli import main

KEYS = {"raw", "ceiling_lower", "ceiling_upper", "ceiled", "ci_low", "ci_high", "layer", "model", "benchmark"}


def test_list(capsys):
    assert main(["list", "models"]) == 0
    models = capsys.readouterr().out.split()
    assert {"mobilenet_v1", "pixels"} <= set(models)
    assert main(["list", "benchmarks"]) == 0
    assert {"kriegeskorte2008.it_human", "kriegeskorte2008.it_monkey"} <= set(capsys.readouterr().out.split())


def test_score_mobilenet_it_human_json(data_mirror, tmp_path):
    """The demo's command, as a subprocess through the installed console script's module."""
    out = tmp_path / "score.json"
    proc = subprocess.run([sys.executable, "-m", "neurovision.cli", "score", "mobilenet_v1",
                           "kriegeskorte2008.it_human", "--n-boot", "200", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "ceiling" in proc.stdout and "Conv2d_13_pointwise" in proc.stdout
    d = json.loads(out.read_text())
    assert KEYS <= set(d)
    assert d["model"] == "mobilenet_v1" and d["layer"] == "Conv2d_13_pointwise"
    assert d["ceiling_lower"] < d["ceiling_upper"] and d["ci_low"] < d["raw"] < d["ci_high"]
    # a pretrained ImageNet CNN's top layer explains human IT far better than chance
    assert d["ci_low"] > 0.05


def test_score_all_layers_json_is_a_list(data_mirror, tmp_path, capsys):
    out = tmp_path / "layers.json"
    assert main(["score", "pixels", "kriegeskorte2008.it_monkey", "--layer", "all", "--n-boot", "20",
                 "--json", str(out)]) == 0
    d = json.loads(out.read_text())
    assert isinstance(d, list) and len(d) == 1 and KEYS <= set(d[0])
    assert d[0]["ceiling_upper"] is None


@pytest.mark.parametrize("argv,message", [
    (["score", "no_such_model", "kriegeskorte2008.it_human"], "known models: .*mobilenet_v1"),
    (["score", "pixels", "no_such_benchmark"], "known benchmarks: .*kriegeskorte2008.it_human"),
    (["score", "pixels", "kriegeskorte2008.it_human", "--layer", "conv99"], "no layer.*'conv99'.*known layers: pixels"),
])
def test_bad_names_give_one_clear_error(argv, message, capsys, data_mirror):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("neurovision: error:") and "Traceback" not in err
    import re
    assert re.search(message, err)


def test_figures(data_mirror, tmp_path, monkeypatch):
    """The figures command end to end (pixels model for speed; `make demo` runs it on mobilenet_v1)."""
    # an empty cache: the first run computes every score (cold), the second reads them back (warm)
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "first"
    assert main(["figures", "--out", str(out), "--n-boot", "20", "--model", "pixels"]) == 0
    tmp_path = out
    names = {p.name for p in tmp_path.iterdir()}
    assert {"kriegeskorte2008_rdms_pixels.png", "kriegeskorte2008.it_human_profile_pixels.png"} <= names
    assert all(p.stat().st_size > 10_000 for p in tmp_path.glob("*.png"))
    # deterministic: a second run (warm caches) writes byte-identical files, netCDF profiles included
    again = tmp_path.parent / "again"
    assert main(["figures", "--out", str(again), "--n-boot", "20", "--model", "pixels"]) == 0
    files = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert files == sorted(p.name for p in again.iterdir()) and any(f.endswith(".nc") for f in files)
    changed = [f for f in files if (tmp_path / f).read_bytes() != (again / f).read_bytes()]
    assert not changed, changed


def test_layer_profile_netcdf(data_mirror, tmp_path):
    import xarray as xr
    out = tmp_path / "profile.nc"
    assert main(["score", "pixels", "kriegeskorte2008.it_human", "--layer", "all", "--n-boot", "20",
                 "--netcdf", str(out), "--json", str(tmp_path / "p.json")]) == 0
    ds = xr.load_dataset(out)
    d = json.loads((tmp_path / "p.json").read_text())
    assert list(ds["layer"].values) == ["pixels"]
    assert float(ds["raw"][0]) == pytest.approx(d[0]["raw"]) and float(ds["ceiling_upper"][0]) == pytest.approx(d[0]["ceiling_upper"])
    assert ds.attrs["benchmark"] == "kriegeskorte2008.it_human" and "weights_sha256" in ds.attrs["provenance"]
