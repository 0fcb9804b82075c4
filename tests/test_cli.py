"""The `neurovision` command end to end on the real data (pretrained MobileNetV1, Kriegeskorte 2008)."""
from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

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
    assert float(ds["raw"][0]) == pytest.approx(d[0]["raw"])
    assert float(ds["ceiling_upper"][0]) == pytest.approx(d[0]["ceiling_upper"])
    assert ds.attrs["benchmark"] == "kriegeskorte2008.it_human" and "weights_sha256" in ds.attrs["provenance"]


# ------------------------------------------------------------------------------------------- train commands
CHECKPOINTS = Path(__file__).resolve().parents[1] / "neurovision" / "models" / "checkpoints"


@pytest.mark.parametrize("name", ["tracker_delay50.json", "tracker_delay50_control.json"])
def test_committed_tracker_command_parses_to_its_config(name):
    """The command stored beside each committed tracker checkpoint still parses to the config stored there."""
    from neurovision.cli import build_parser, train_tracker_config
    meta = json.loads((CHECKPOINTS / name).read_text())
    prefix = "python -m neurovision.training.tracker "
    assert meta["command"].startswith(prefix)
    args = build_parser().parse_args(["train", "tracker", *shlex.split(meta["command"][len(prefix):])])
    cfg = json.loads(json.dumps(asdict(train_tracker_config(args))))  # tuples as the JSON stores them
    # fields added after the checkpoint was trained (the v2 architecture's) keep their v1 defaults
    assert {k: cfg[k] for k in meta["train_config"]} == meta["train_config"] and cfg.get("arch", "v1") == "v1"
    assert args.stop_after == meta["steps_done"] and args.out == f"neurovision/models/checkpoints/{Path(name).stem}.pt"


def test_committed_ventral_command_parses_to_its_config():
    """The command in cornet_mini_fashion/model.json parses to the stored config (``--threads`` is not part of
    the recorded command, so the thread count is the one setting it does not carry)."""
    from neurovision.cli import build_parser, train_ventral_config
    meta = json.loads((CHECKPOINTS / "cornet_mini_fashion" / "model.json").read_text())
    assert meta["command"].startswith("neurovision train ventral ")
    args = build_parser().parse_args(shlex.split(meta["command"])[1:])
    cfg = asdict(train_ventral_config(args))
    assert {k: v for k, v in cfg.items() if k != "threads"} == {k: v for k, v in meta["config"].items()
                                                                if k != "threads"}


def test_recorded_train_commands_round_trip():
    """``cli_args`` of a non-default config, parsed again, gives the same config (tracker and ventral)."""
    from neurovision.cli import build_parser, train_tracker_config, train_ventral_config
    from neurovision.training import tracker, ventral
    tcfg = tracker.TrackerTrainConfig(task="control", delay_ms=30, steps=40, batch=5, seed=3, lr=0.004, n_frames=50,
                                      p_flash=0.3, p_flash_aligned=0.2, flash_frame_weight=2.5, flash_loss_weight=0.75,
                                      flash_hidden=16, locator=8, locator_loss_weight=0.5, core_embed=False, threads=1)
    argv = ["train", "tracker", *tracker.cli_args(tcfg, Path("x.pt")), "--threads", "1"]
    assert train_tracker_config(build_parser().parse_args(argv)) == tcfg
    vcfg = ventral.VentralTrainConfig(dataset="some/folder", arch="plain8_w8", optimizer="adamw", lr=0.01,
                                      weight_decay=0.1, epochs=3, batch_size=16, seed=2, n_train=None, n_test=None,
                                      val_fraction=0.25, image_size=20, color="gray")
    argv = ["train", "ventral", *ventral.cli_args(vcfg, "out")]
    assert train_ventral_config(build_parser().parse_args(argv)) == vcfg


def _all_parsers(parser):
    """The parser and every sub-command parser below it (test-only introspection of argparse's tree)."""
    yield parser
    for action in parser._actions:
        if action.nargs == argparse.PARSER:
            for sub in action.choices.values():
                yield from _all_parsers(sub)


def test_every_argument_has_help():
    from neurovision.cli import build_parser
    parsers = list(_all_parsers(build_parser()))
    names = {p.prog for p in parsers}
    assert {"neurovision train tracker", "neurovision train ventral", "neurovision sweep"} <= names
    for p in parsers:
        assert p.prefix_chars == "-", p.prog
        for action in p._actions:
            if action.nargs != argparse.PARSER:  # the sub-command group itself; its commands are checked above
                assert action.help, f"{p.prog}: {action.option_strings or action.dest} has no help text"


@pytest.mark.parametrize("argv", [["-m", "neurovision.training.tracker", "--help"],
                                  ["-m", "neurovision.training.ventral", "ventral", "--help"]])
def test_training_modules_run_the_cli(argv):
    """``python -m neurovision.training.tracker`` is ``neurovision train tracker`` (same parser)."""
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: neurovision train")
    assert ("--core-locator-only" if "tracker" in argv[1] else "--val-fraction") in proc.stdout


def test_list_models_names_the_architecture_families(capsys):
    from neurovision.cli import main
    assert main(["list", "models"]) == 0
    out = capsys.readouterr().out
    assert "tracker" in out and "torchvision classification architectures" in out and "resnet" in out.lower()


def test_score_sessions_flag(data_mirror, capsys, tmp_path):
    """--sessions reaches the session-based benchmarks (only that session is scored), and is refused, with the
    reason, where a benchmark has no sessions; an unknown session is named."""
    from neurovision.cli import main
    from neurovision.scores import load_scores
    out = tmp_path / "s.json"
    assert main(["score", "pixels", "cowley2023.v4_rsa", "--sessions", "210325", "--n-boot", "0", "--quiet",
                 "--json", str(out)]) == 0
    (s,) = load_scores(out)
    assert s.provenance["sessions"] == ["210325"] and list(s.provenance["per_session"]) == ["210325"]
    assert main(["score", "pixels", "kriegeskorte2008.it_human", "--sessions", "210325"]) == 2
    assert "recording sessions" in capsys.readouterr().err
    assert main(["score", "pixels", "cowley2023.v4_rsa", "--sessions", "999", "--n-boot", "0"]) == 2
    assert "999" in capsys.readouterr().err
