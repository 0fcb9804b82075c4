"""``neurovision report``: one static, self-contained HTML page per model — the page a scientist sends a colleague.

For each model (:func:`write_report`):

* every benchmark of the regions the model is committed to (or the ones asked for): raw score with its 95% CI, the
  noise ceiling (or "none" where the data allow none), the ceiled score with its CI, the layer, metric and notes;
* the layer profile of each RSA benchmark (raw score per layer with CI, ceiling band, the pixel baseline, the
  committed layer marked);
* for image models committed to IT, the model's IT-layer RDM beside the human IT RDM (Kriegeskorte et al. 2008);
* for dorsal models, the dorsal figures (people or neurons against the model,
  :mod:`neurovision.figures.dorsal_benchmarks`);
* provenance: package version, the model's class, weights sha256 and fingerprint, its commitments, and every
  Score's provenance (data hashes, benchmark versions, bootstrap settings).

Each page lives in ``<out>/<model>/index.html`` with its PNG files beside it (relative links, no network access, no
scripts or styles from elsewhere); ``<out>/index.html`` links the pages and, for several models, shows them side
by side (ceiled scores, raw where no ceiling exists). A small inline script records on the page whether every image
loaded (``data-images-loaded="k/n"`` on ``<body>``), which the tests read back from headless Chromium.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Iterable

from . import __version__
from .benchmarks.base import RSABenchmark
from .benchmarks.registry import benchmark_names, load_benchmark
from .errors import NeurovisionError
from .models.base import Model, VideoModel
from .models.registry import load_model
from .progress import bar
from .scores import Score, scores_to_json

_STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%;margin:0.5em 0}
details{margin:0.3em 0}pre{font-size:11px;background:#f7f7f7;padding:0.5em;overflow-x:auto}.na{color:#888}"""

_CHECK_IMAGES = """<script>
window.addEventListener('load', function () {
  var imgs = Array.from(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images-loaded', ok + '/' + imgs.length);
});
</script>"""


def _fmt(v, digits: int = 3) -> str:
    return "—" if v is None or v != v else f"{v:.{digits}f}"


def _ci(low, high) -> str:
    return "" if low is None else f" [{_fmt(low)}, {_fmt(high)}]"


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head>\n<body>\n{body}\n{_CHECK_IMAGES}\n</body></html>\n")


def _score_rows(scores: list[Score], skipped: dict[str, str]) -> str:
    head = ("<tr><th>benchmark</th><th>layer</th><th>raw [95% CI]</th><th>ceiling</th><th>ceiled [95% CI]</th>"
            "<th>metric</th><th>notes</th></tr>")
    rows = []
    for s in scores:
        ceiling = ("none" if s.ceiling_upper is None else _fmt(s.ceiling_upper) if s.ceiling_lower == s.ceiling_upper
                   else f"{_fmt(s.ceiling_lower)}–{_fmt(s.ceiling_upper)}")
        ceiled = "—" if s.ceiled is None else f"<b>{_fmt(s.ceiled)}</b>{_ci(s.ceiled_ci_low, s.ceiled_ci_high)}"
        rows.append(f"<tr><td>{html.escape(s.benchmark)}</td><td>{html.escape(s.layer)}</td>"
                    f"<td class=num>{_fmt(s.raw)}{_ci(s.ci_low, s.ci_high)}</td><td class=num>{ceiling}</td>"
                    f"<td class=num>{ceiled}</td><td>{html.escape(s.metric)}</td>"
                    f"<td>{html.escape(s.notes)}</td></tr>")
    for name, why in skipped.items():
        rows.append(f"<tr class=na><td>{html.escape(name)}</td><td colspan=6>not scored: {html.escape(why)}</td></tr>")
    return f"<table id=\"scores\">{head}{''.join(rows)}</table>"


def _figures_html(paths: list[Path], folder: Path) -> str:
    return "\n".join(f"<figure><img src=\"{html.escape(p.relative_to(folder).as_posix())}\" "
                     f"alt=\"{html.escape(p.stem)}\"><figcaption>{html.escape(p.stem)}</figcaption></figure>"
                     for p in paths)


def _model_provenance(model: Model) -> dict:
    return {"neurovision": __version__, "model": model.identifier, "class": f"{type(model).__module__}."
            f"{type(model).__qualname__}", "description": model.description, "weights_sha256": model.weights_hash,
            "fingerprint": model.fingerprint(), "region_layer_map": dict(model.region_layer_map),
            "visual_degrees": model.visual_degrees, "checkpoint_sha256": getattr(model, "checkpoint_sha256", None)}


def _benchmarks_for(model: Model, names: Iterable[str] | None) -> list[str]:
    if names is not None:
        return list(names)
    return [n for n in benchmark_names() if load_benchmark(n).region in model.region_layer_map]


def _rdm_panel(model: Model, folder: Path) -> list[Path]:
    """The model's IT-layer RDM beside the human IT RDM on the 92 images (image models committed to IT)."""
    if isinstance(model, VideoModel) or "IT" not in model.region_layer_map:
        return []
    import numpy as np

    from .benchmarks.base import model_rdms
    from .data import kriegeskorte2008 as k08
    from .figures.plotting import plot_rdm_pair
    stimuli = k08.load_stimuli()
    layer = model.layer_for("IT")
    model_rdm = np.asarray(model_rdms(model, stimuli, [layer]).matrix)
    human = k08.load_human_it_rdms().mean(("subject", "session")).values
    return [plot_rdm_pair(model_rdm, human, stimuli["category"].values, category_names=k08.CATEGORY_ORDER,
                          titles=(f"{model.identifier} {layer}", "human IT (fMRI, 4 subjects)"),
                          suptitle="Kriegeskorte et al. 2008 — 92 images", path=folder / "rdm_it.png")]


def model_report(model: Model | str, out: str | Path, *, benchmarks: Iterable[str] | None = None,
                 n_boot: int = 1000, seed: int = 0, profiles: bool = True, progress: bool = True
                 ) -> tuple[Path, list[Score]]:
    """Write ``<out>/<model>/index.html`` (and its images and ``scores.json``); returns the page and the Scores."""
    from .figures.dorsal_benchmarks import plot_dorsal_benchmarks
    from .figures.plotting import plot_layer_profile

    model = load_model(model) if isinstance(model, str) else model
    folder = Path(out) / model.identifier
    folder.mkdir(parents=True, exist_ok=True)
    names = _benchmarks_for(model, benchmarks)
    scores: list[Score] = []
    skipped: dict[str, str] = {}
    figures: list[Path] = []
    dorsal: list[Score] = []  # scores of the dorsal and MT benchmarks: their figures
    pixels = None
    names_bar = bar(names, desc=f"{model.identifier}: benchmarks", unit="benchmark", disable=not progress, delay=0)
    for name in names_bar:
        names_bar.set_postfix_str(name)  # which benchmark the bars below belong to
        bench = load_benchmark(name)
        try:
            scores.append(bench(model, n_boot=n_boot, seed=seed, progress=progress))
        except (ValueError, TypeError, NeurovisionError) as e:  # a benchmark the model cannot take: said on the page
            skipped[name] = str(e).splitlines()[0]
            continue
        if bench.region in ("dorsal", "MT"):
            dorsal.append(scores[-1])
        if profiles and isinstance(bench, RSABenchmark) and not isinstance(model, VideoModel):
            profile = bench.score_layers(model, n_boot=n_boot, seed=seed, progress=progress)
            if pixels is None and model.identifier != "pixels":
                pixels = load_model("pixels")
            baseline = bench(pixels, n_boot=n_boot, seed=seed, progress=False) if pixels is not None and \
                bench.region in pixels.region_layer_map else None
            figures.append(plot_layer_profile(profile, baseline, path=folder / f"profile_{name}.png",
                                              committed=model.region_layer_map.get(bench.region)))
    figures += _rdm_panel(model, folder)
    if dorsal:
        figures += plot_dorsal_benchmarks(dorsal, folder)
    scores_to_json(scores, folder / "scores.json")
    prov = _model_provenance(model)
    body = [f"<h1>{html.escape(model.identifier)}</h1>", f"<p>{html.escape(model.description)}</p>",
            "<h2>Scores</h2>", _score_rows(scores, skipped),
            f"<p>raw = the benchmark's measure; ceiled = raw / ceiling (clipped to [0, 1], said in the notes); "
            f"95% CIs from {n_boot} bootstrap resamples (seed {seed}); all scores: <a href=\"scores.json\">"
            f"scores.json</a>.</p>", "<h2>Figures</h2>", _figures_html(figures, folder),
            "<h2>Provenance</h2>", f"<pre>{html.escape(json.dumps(prov, indent=2, default=str))}</pre>"]
    for s in scores:
        body.append(f"<details><summary>{html.escape(s.benchmark)}</summary><pre>"
                    f"{html.escape(json.dumps(_short(s.provenance), indent=2, default=str))}</pre></details>")
    page = folder / "index.html"
    page.write_text(_page(f"neurovision report: {model.identifier}", "\n".join(body)))
    return page, scores


def _short(prov: dict) -> dict:
    """Provenance with long lists (traces, per-trial values) shortened to their length, for the page."""
    def walk(v):
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list) and len(v) > 20:
            return f"[{len(v)} values]"
        return v
    return walk(prov)


def write_report(models: Iterable[Model | str], out: str | Path = "report", **options) -> Path:
    """One page per model (:func:`model_report`, ``options`` passed on) and ``<out>/index.html``: links to them and,
    for several models, a side-by-side table of every benchmark (ceiled; raw in italics where no ceiling exists).
    Returns the index page."""
    out = Path(out)
    pages: list[tuple[str, Path, list[Score]]] = []
    for m in models:
        page, scores = model_report(m, out, **options)
        pages.append((page.parent.name, page, scores))
    benches = list(dict.fromkeys(s.benchmark for _, _, scores in pages for s in scores))
    head = "<tr><th>benchmark</th>" + "".join(
        f"<th><a href=\"{html.escape(p.relative_to(out).as_posix())}\">{html.escape(n)}</a></th>" for n, p, _ in pages)
    rows = []
    for b in benches:
        cells = []
        for _, _, scores in pages:
            s = next((x for x in scores if x.benchmark == b), None)
            if s is None:
                cells.append("<td class=na>—</td>")
            elif s.ceiled is None:
                cells.append(f"<td class=num><i>{_fmt(s.raw)}</i></td>")
            else:
                cells.append(f"<td class=num>{_fmt(s.ceiled)}{_ci(s.ceiled_ci_low, s.ceiled_ci_high)}</td>")
        rows.append(f"<tr><td>{html.escape(b)}</td>{''.join(cells)}</tr>")
    body = ("<h1>neurovision report</h1><p>One page per model (follow the links). Side by side: ceiled score [95% CI];"
            " <i>raw</i> where the data allow no ceiling; — not scored.</p>"
            f"<table id=\"scores\">{head}</tr>{''.join(rows)}</table><p>neurovision {__version__}</p>")
    index = out / "index.html"
    index.write_text(_page("neurovision report", body))
    return index
