"""``neurovision figures``: regenerate the figures in ``figures/`` deterministically (fixed seeds).

* ``kriegeskorte2008_rdms_<model>.png`` — the model's committed IT-layer RDM beside the human IT RDM
  (mean over 4 subjects × 2 sessions), stimuli ordered by category;
* ``kriegeskorte2008_mds_<model>.png``, ``kriegeskorte2008_mds_human_it.png`` — classical MDS of the
  stimuli from each RDM, coloured by category;
* ``results_heat_table.png`` — redrawn from ``results.csv`` (written by ``benchmarks/score_all.py``);
* the dorsal figures of :mod:`neurovision.figures.dorsal`;
* ``kriegeskorte2008.it_human_profile_<model>.png`` and ``kriegeskorte2008.it_monkey_profile_<model>.png``
  — score per layer with 95% bootstrap CI, noise-ceiling band and the pixel baseline.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..benchmarks.base import model_rdms
from ..benchmarks.registry import load_benchmark
from ..data import kriegeskorte2008 as k08
from ..models.registry import load_model
from ..progress import bar
from ..scores import scores_to_json, scores_to_netcdf
from .plotting import plot_layer_profile, plot_mds, plot_rdm_pair


def make_figures(out: Path, model: str = "mobilenet_v1", n_boot: int = 1000, seed: int = 0) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    net = load_model(model)
    pixels = load_model("pixels")
    stimuli = k08.load_stimuli()
    written = []

    layer = net.layer_for("IT")
    model_rdm = np.asarray(model_rdms(net, stimuli, [layer]).matrix)
    human = k08.load_human_it_rdms().mean(("subject", "session")).values
    written.append(plot_rdm_pair(
        model_rdm, human, stimuli["category"].values, category_names=k08.CATEGORY_ORDER,
        titles=(f"{model} {layer}", "human IT (fMRI, 4 subjects)"),
        suptitle="Kriegeskorte et al. 2008 — 92 images", path=out / f"kriegeskorte2008_rdms_{model}.png"))
    written.append(plot_mds(model_rdm, stimuli["category"].values, title=f"{model} {layer}: classical MDS",
                            path=out / f"kriegeskorte2008_mds_{model}.png"))
    written.append(plot_mds(human, stimuli["category"].values, title="human IT (fMRI): classical MDS",
                            path=out / "kriegeskorte2008_mds_human_it.png"))

    for name in bar(("kriegeskorte2008.it_human", "kriegeskorte2008.it_monkey"), desc="figures: layer profiles",
                    unit="benchmark", delay=0):
        bench = load_benchmark(name)
        scores = bench.score_layers(net, n_boot=n_boot, seed=seed)
        baseline = bench(pixels, n_boot=n_boot, seed=seed)
        written.append(plot_layer_profile(scores, baseline, path=out / f"{name}_profile_{model}.png",
                                          committed=net.region_layer_map.get(bench.region)))
        written.append(scores_to_json(scores + [baseline], out / f"{name}_profile_{model}.json"))
        written.append(scores_to_netcdf(scores, out / f"{name}_profile_{model}.nc"))
    from .dorsal import make_dorsal_figures
    written += make_dorsal_figures(out, seed=seed)
    if (out / "results.csv").is_file():
        written.append(heat_table_from_csv(out / "results.csv", out / "results_heat_table.png"))
    return written


def heat_table_from_csv(csv_path: Path, png_path: Path) -> Path:
    """Redraw the model × benchmark heat table from the ``results.csv`` that ``benchmarks/score_all.py`` writes."""
    import csv

    from ..scores import Score
    from .plotting import plot_heat_table

    def num(value):
        return None if value in ("", None) else float(value)

    with open(csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    scores = [Score(raw=num(r["raw"]), ci_low=num(r["ci_low"]), ci_high=num(r["ci_high"]), model=r["model"],
                    layer=r["layer"], benchmark=r["benchmark"], metric="", ceiling_lower=num(r["ceiling_lower"]),
                    ceiling_upper=num(r["ceiling_upper"]), ceiled=num(r["ceiled"])) for r in rows]
    return plot_heat_table(scores, path=png_path)
