"""neurovision: model–brain comparison with representational similarity analysis.

The data flow is the architecture — one module per stage::

    stimuli/ → models/ → activations.py → rsa/ (RDM, comparison, ceiling, inference) → scores.py → plotting.py
                                            benchmarks/ ties data, metric and ceiling together

Public API::

    import neurovision as nv
    model = nv.load_model("mobilenet_v1")
    bench = nv.load_benchmark("kriegeskorte2008.it_human")
    score = bench(model)            # or nv.score("mobilenet_v1", "kriegeskorte2008.it_human")
    print(score)
"""
__version__ = "0.1.0"


def load_model(name: str, weights: str | None = None):
    """Build a registered model (see ``neurovision list models``), or a torchvision architecture
    by name with a state-dict file ``weights``."""
    from .models.registry import load_model as _load
    return _load(name, weights)


def load_benchmark(name: str):
    """Build a registered benchmark (see ``neurovision list benchmarks``)."""
    from .benchmarks.registry import load_benchmark as _load
    return _load(name)


def score(model: str, benchmark: str, layer: str | None = None, n_boot: int = 1000, seed: int = 0):
    """Score registered ``model`` on registered ``benchmark`` at ``layer`` (default: its commitment)."""
    return load_benchmark(benchmark)(load_model(model), layer=layer, n_boot=n_boot, seed=seed)


__all__ = ["__version__", "load_model", "load_benchmark", "score"]
