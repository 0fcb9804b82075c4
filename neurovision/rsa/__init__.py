"""Representational similarity analysis (RSA) engine.

RDMs (Kriegeskorte et al. 2008), their comparison, noise ceilings
(Nili et al. 2014) and bootstrap inference (Schütt et al. 2023).

>>> from neurovision.rsa import RDM, rdm, compare, noise_ceiling
>>> from neurovision.rsa import bootstrap_stimuli, BootstrapResult
"""
from .rdm import RDM, rdm, noise_covariance
from .compare import compare, METHODS
from .ceiling import noise_ceiling
from .inference import BootstrapResult, bootstrap_stimuli

__all__ = [
    "RDM", "rdm", "compare", "noise_ceiling", "bootstrap_stimuli",
    "BootstrapResult", "noise_covariance", "METHODS",
]
