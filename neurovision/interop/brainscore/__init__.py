"""Brain-Score interoperability, one module per direction:

* :mod:`~neurovision.interop.brainscore.export` — neurovision → Brain-Score: a model as a Brain-Score
  ``BrainModel`` / activations model, a stimulus set as a ``StimulusSet`` (needs ``brainscore-vision``, imported
  lazily inside the functions, in its own environment ``.venv-brainscore``);
* :mod:`~neurovision.interop.brainscore.assemblies` — Brain-Score → neurovision: StimulusSets and
  NeuroidAssemblies saved locally (CSV + images, netCDF) as neurovision xarrays (no Brain-Score needed);
* :mod:`~neurovision.interop.brainscore.benchmark` — RDMs of such an assembly and an
  :class:`~neurovision.benchmarks.base.RSABenchmark` on them.

Importing this package never imports Brain-Score. Every public name is available here.
"""
from .assemblies import load_brainscore_assembly, load_brainscore_stimulus_set
from .benchmark import assembly_rdm, brainscore_rsa_benchmark
from .export import (
    DEFAULT_TIME_BINS,
    activations_model,
    brain_model,
    path_preprocessing,
    save_brainscore_stimulus_set,
    to_brainscore_stimulus_set,
)

__all__ = [
    "activations_model", "brain_model", "to_brainscore_stimulus_set", "save_brainscore_stimulus_set",
    "load_brainscore_stimulus_set", "load_brainscore_assembly", "assembly_rdm", "brainscore_rsa_benchmark",
    "path_preprocessing", "DEFAULT_TIME_BINS",
]
