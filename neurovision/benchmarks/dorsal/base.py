"""What the dorsal benchmarks share: the :class:`DorsalBenchmark` wrapper of a scoring function under the one
:class:`~neurovision.benchmarks.base.Benchmark` contract, the check that a model is a video tracker, and the
one builder of a dorsal :class:`~neurovision.scores.Score` (:func:`dorsal_score`).

Behavioural benchmarks (flash-lag, occluded pursuit) read a model's *readouts* — the position and flash reports of
``model.run(video)`` — so the ``layer`` of their Scores is ``"readouts"``; benchmarks of neural data (MT) and of
perception through a decoder read the model's committed layer for their region.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ...cache import content_key
from ...models.base import Model
from ...scores import Score, make_score
from ..base import Benchmark, provenance

#: the ``layer`` of every behavioural (readout) Score
BEHAVIOUR_LAYER = "readouts"


def check_video_model(model, identifier: str = "this benchmark") -> None:
    """Raise a clear ValueError unless ``model`` is a tracker-like video model committed to region 'dorsal' with a
    position readout (``run``)."""
    if getattr(model, "position_readout", True) is False:
        raise ValueError(f"{identifier} reads a model's position and flash reports; model {model.identifier!r} has "
                         "no position readout (score it on the MT / speed benchmarks instead)")
    ok = all(hasattr(model, a) for a in ("run", "delay_frames", "ms_per_frame", "px_per_deg", "height", "width"))
    if not ok or "dorsal" not in getattr(model, "region_layer_map", {}):
        regions = ", ".join(sorted(getattr(model, "region_layer_map", {}))) or "none"
        raise ValueError(f"{identifier} is a dorsal-stream (video) benchmark; model "
                         f"{getattr(model, 'identifier', model)!r} is not a video tracker committed to region "
                         f"'dorsal' (its regions: {regions}); try the model 'tracker'")


def dorsal_score(name: str, model, raw: float, ceiling: float | None, boot_raw, boot_ceiling, metric: str,
                 notes: str, details: dict, n_boot: int, seed: int, version: int = 1,
                 layer: str = BEHAVIOUR_LAYER) -> Score:
    """A dorsal :class:`Score`. ``raw`` is kept as computed (never clipped); CI of ``raw`` = percentiles of
    ``boot_raw``. With a ``ceiling``: ``ceiling_lower == ceiling_upper`` = it, ``ceiled`` = raw / ceiling clipped to
    [0, 1] (the notes give the unclipped ratio when the clip changed it), its CI from ``boot_raw / boot_ceiling``
    (ceiling recomputed per resample). ``ceiling=None``: none can be estimated from the data; ``ceiled`` is None
    and the notes say so. Provenance: model, weights, checkpoint, the model's delay and scale, ``details``."""
    boot_raw = np.asarray(boot_raw, float)
    prov = provenance(name, version, model, checkpoint_sha256=getattr(model, "checkpoint_sha256", None),
                      delay_ms=float(model.delay_frames * model.ms_per_frame), ms_per_frame=float(model.ms_per_frame),
                      px_per_deg=float(model.px_per_deg), details=details)
    common = dict(raw=float(raw), samples=boot_raw, model=model.identifier, layer=layer, benchmark=name,
                  metric=metric, n_boot=n_boot, seed=seed, provenance=prov)
    if ceiling is None or not np.isfinite(ceiling) or ceiling <= 0:
        why = "no ceiling can be estimated from these data" if ceiling is None else f"ceiling {ceiling} not usable"
        return make_score(**common, notes="; ".join(n for n in (notes, why) if n))
    return make_score(**common, ceiling=(float(ceiling), float(ceiling)),
                      ceiled_samples=boot_raw / np.asarray(boot_ceiling, float), clip_ceiled=True, notes=notes)


@dataclass
class DorsalBenchmark(Benchmark):
    """A dorsal benchmark under the one :class:`~neurovision.benchmarks.base.Benchmark` contract:
    ``bench(model, *, layer=None, n_boot=1000, seed=0, progress=True, cache=True, human=None) -> Score``.

    ``function(model, n_boot=..., seed=..., **options)`` computes the Score. Behavioural benchmarks
    (``layer_kind="readouts"``) score the model's readouts: ``layer`` must be None or ``"readouts"``.
    ``options`` are default keyword arguments of ``function`` (e.g. ``n_trials``). ``human``: the human reference
    the function compares with (e.g. a :class:`~neurovision.benchmarks.dorsal.flash_lag.FlashLagSample`), passed as
    ``human=`` when set; ``bench(model, human=other)`` scores against another sample with the same method
    (:meth:`with_human`). The ceiling depends on the display and is computed with each score (``score.ceiling_*``);
    :meth:`ceiling` returns None.
    """

    identifier: str
    function: Callable
    citation: str
    description: str = ""
    version: int = 1
    region: str = "dorsal"
    options: dict = field(default_factory=dict)
    human: Any = None

    def __call__(self, model: Model, *, layer: str | None = None, n_boot: int = 1000, seed: int = 0,
                 progress: bool = True, cache: bool = True, device=None, human: Any = None) -> Score:
        """Score ``model`` (see :class:`~neurovision.benchmarks.base.Benchmark`); ``human=`` another human sample."""
        bench = self if human is None else self.with_human(human)
        return Benchmark.__call__(bench, model, layer=layer, n_boot=n_boot, seed=seed, progress=progress,
                                  cache=cache, device=device)

    def with_human(self, human: Any) -> DorsalBenchmark:
        """The same benchmark scored against ``human`` (a sample of the kind :attr:`human` holds)."""
        if self.human is None:
            raise TypeError(f"{self.identifier} takes no human sample (it compares with fixed data)")
        if not isinstance(human, type(self.human)):
            raise TypeError(f"{self.identifier}: human must be a {type(self.human).__name__}; got "
                            f"{type(human).__name__}")
        return dataclasses.replace(self, human=human)

    def default_layers(self, model: Model) -> list[str]:
        return [BEHAVIOUR_LAYER]

    def content_key(self) -> str:
        """The base key plus the human sample's content (its values), not its label."""
        base = Benchmark.content_key(dataclasses.replace(self, human=None))
        human = None if self.human is None else self.human.content_hash()
        return content_key("dorsal-benchmark", base, human)

    def _score_layers(self, model: Model, layers: list[str] | None, *, n_boot: int, seed: int,
                      progress: bool) -> list[Score]:
        check_video_model(model, self.identifier)
        bad = [layer for layer in layers or () if layer != BEHAVIOUR_LAYER]
        if bad:
            raise ValueError(f"{self.identifier} scores behaviour (the readouts of {model.identifier!r}); "
                             f"--layer must be omitted or {BEHAVIOUR_LAYER!r}; got {bad[0]!r}")
        extra = {} if self.human is None else {"human": self.human}
        return [self.function(model, n_boot=n_boot, seed=seed, **self.options, **extra)]
