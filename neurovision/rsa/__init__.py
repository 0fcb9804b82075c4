"""Representational similarity analysis (RSA) engine.

RDMs (Kriegeskorte et al. 2008), their comparison, noise ceilings
(Nili et al. 2014), bootstrap inference (Schütt et al. 2023), cross-validated
feature-reweighted RSA (Khaligh-Razavi & Kriegeskorte 2014) and time-resolved
RSA.

>>> from neurovision.rsa import RDM, rdm, compare, noise_ceiling
>>> from neurovision.rsa import bootstrap_stimuli, BootstrapResult
>>> from neurovision.rsa import align, check_n_boot

Bad input gets one ValueError naming the problem; comparisons involving an
RDM without rank order or variance (all dissimilarities equal) are NaN with a
:class:`neurovision.errors.ConstantRDMWarning`.
"""
from .ceiling import noise_ceiling
from .compare import METHODS, compare
from .dissimilarity import RDM, align, noise_covariance, rdm
from .inference import (
                        BootstrapResult,
                        PairwiseResult,
                        PermutationResult,
                        bootstrap_dual,
                        bootstrap_stimuli,
                        bootstrap_subjects,
                        check_n_boot,
                        fdr_bh,
                        pairwise_tests,
                        permutation_test,
)
from .reliability import odd_even_repeats, spearman_brown
from .reweighting import ReweightingResult, crossval_reweighted, fit_weights
from .temporal import compare_timecourses, rdm_timecourse

__all__ = [
    "RDM", "rdm", "compare", "noise_ceiling", "bootstrap_stimuli",
    "BootstrapResult", "noise_covariance", "METHODS",
    "bootstrap_subjects", "bootstrap_dual", "permutation_test",
    "pairwise_tests", "fdr_bh", "PairwiseResult", "PermutationResult",
    "crossval_reweighted", "fit_weights", "ReweightingResult",
    "rdm_timecourse", "compare_timecourses", "align", "check_n_boot",
    "spearman_brown", "odd_even_repeats",
]
