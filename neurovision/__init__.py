"""neurovision: model–brain comparison with representational similarity analysis.

The data flow is the architecture — one module per stage::

    stimuli/ → models/ → activations.py → rsa/ (RDM, comparison, ceiling, inference) → scores.py → figures/
                                            benchmarks/ ties data, metric and ceiling together

Public API::

    import neurovision as nv
    model = nv.load_model("mobilenet_v1")                 # or nv.from_torch(your_module, ...)
    bench = nv.load_benchmark("kriegeskorte2008.it_human") # or nv.RSABenchmark.from_rdms(...)
    score = bench(model)            # or nv.score("mobilenet_v1", "kriegeskorte2008.it_human")
    print(score)

Your own model: :func:`from_torch`. Your own stimuli: :func:`stimuli_from_files`. Your own data:
:meth:`RSABenchmark.from_rdms`, :meth:`RSABenchmark.from_responses`, :meth:`EncodingBenchmark.from_responses`;
other similarity measures (CKA, Procrustes, shape metrics, soft matching, predictivity):
:func:`compare_representations`; your own human flash-lag sample on a flash-lag benchmark:
``bench(model, human=FlashLagSample.from_values(...))``.
Names for both: :func:`register_model`, :func:`register_benchmark` (and the entry-point groups
``neurovision.models`` / ``neurovision.benchmarks`` for installed plugins).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.2.0"

if TYPE_CHECKING:  # the public types, for type checkers and readers; imported lazily at run time
    from .benchmarks.base import Benchmark, RSABenchmark
    from .benchmarks.dorsal.flash_lag import FlashLagSample
    from .benchmarks.encoding import EncodingBenchmark
    from .models.base import Model, VideoModel
    from .scores import Score
    from .similarity import compare_representations

_LAZY = {
    "Benchmark": "neurovision.benchmarks.base",
    "RSABenchmark": "neurovision.benchmarks.base",
    "EncodingBenchmark": "neurovision.benchmarks.encoding",
    "FlashLagSample": "neurovision.benchmarks.dorsal.flash_lag",
    "compare_representations": "neurovision.similarity",
    "Model": "neurovision.models.base",
    "VideoModel": "neurovision.models.base",
    "video_set": "neurovision.stimuli.videos",
    "Score": "neurovision.scores",
    "from_torch": "neurovision.models.from_torch",
    "stimuli_from_files": "neurovision.stimuli.images",
    "register_model": "neurovision.models.registry",
    "register_benchmark": "neurovision.benchmarks.registry",
}


def __getattr__(name: str):
    """Import the public names of :data:`_LAZY` on first use (``import neurovision`` stays fast)."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'neurovision' has no attribute {name!r}")


def load_model(name: str, weights: str | None = None, *, untrained: bool = False, drop_head: bool = False,
               **options) -> "Model":
    """Build a registered model (see ``neurovision list models``), or an architecture by name — torchvision
    (``"resnet18"``) or timm (``"timm:resnet10t"``, optional extra ``neurovision[timm]``) — with the
    state-dict file ``weights``. Architectures need ``weights`` unless ``untrained=True`` asks for the seeded
    random initialisation (identifier ``"<name>@untrained-seed0"``); ``drop_head=True`` drops the
    classifier-head keys of the file that do not fit (e.g. a 10-class head) and reports them. ``options``:
    see :func:`neurovision.models.registry.load_model`."""
    from .models.registry import load_model as _load
    return _load(name, weights, untrained=untrained, drop_head=drop_head, **options)


def load_benchmark(name: str) -> "Benchmark":
    """Build a registered benchmark (see ``neurovision list benchmarks``)."""
    from .benchmarks.registry import load_benchmark as _load
    return _load(name)


def score(model: "str | Model", benchmark: "str | Benchmark", layer: str | None = None, n_boot: int = 1000,
          seed: int = 0, progress: bool = True, cache: bool = True, device=None) -> "Score":
    """Score ``model`` (a registered name or a :class:`Model`) on ``benchmark`` (a registered name or a
    :class:`Benchmark`) at ``layer`` (default: the model's commitment for the benchmark's region), with an
    ``n_boot``-resample bootstrap CI (0: none); ``cache=False`` neither reads nor writes cached results; ``device``
    (``"cuda"``, ``"mps"``, …) runs the model's forward passes there."""
    bench = load_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    net = load_model(model) if isinstance(model, str) else model
    return bench(net, layer=layer, n_boot=n_boot, seed=seed, progress=progress, cache=cache, device=device)


__all__ = ["__version__", "load_model", "load_benchmark", "score", "from_torch", "stimuli_from_files",
           "register_model", "register_benchmark", "Benchmark", "RSABenchmark", "EncodingBenchmark", "Model",
           "VideoModel", "video_set", "Score", "FlashLagSample", "compare_representations"]
