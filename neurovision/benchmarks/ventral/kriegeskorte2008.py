"""Kriegeskorte et al. 2008 benchmarks on the 92-image set (monkey IT, human IT, similarity judgments).

* ``kriegeskorte2008.it_human`` — human IT fMRI, 4 subjects (RDM = mean of each subject's 2 sessions);
  Spearman ρ with each subject's RDM, averaged; Nili et al. 2014 noise ceiling.
* ``kriegeskorte2008.it_monkey`` — monkey IT (Kiani et al. 2007), one RDM of 674 neurons; raw Spearman
  ρ with a bootstrap CI; no ceiling can be estimated from one RDM.
* ``kriegeskorte2008.behaviour`` — 16 subjects' similarity judgments (Mur et al. 2013); the model's
  IT layer; subject-level RSA with noise ceiling.
"""
from __future__ import annotations

from ...data import kriegeskorte2008 as k08
from ...data.registry import DATASETS
from ..base import RSABenchmark

_FILES = DATASETS["kriegeskorte2008"].files


def it_human() -> RSABenchmark:
    return RSABenchmark(
        identifier="kriegeskorte2008.it_human", region="IT", load_stimuli=k08.load_stimuli,
        load_data=k08.load_human_it_rdms, citation=DATASETS["kriegeskorte2008"].citation,
        description="human IT fMRI RDMs, 4 subjects x 2 sessions, 92 images",
        data_files={p: _FILES[p] for p in (k08.SUPPLEMENT, "92_brainRDMs.mat")})


def it_monkey() -> RSABenchmark:
    return RSABenchmark(
        identifier="kriegeskorte2008.it_monkey", region="IT", load_stimuli=k08.load_stimuli,
        load_data=k08.load_monkey_it_rdm, citation=DATASETS["kriegeskorte2008"].citation,
        description="monkey IT RDM, 674 neurons (Kiani et al. 2007), 92 images",
        data_files={k08.SUPPLEMENT: _FILES[k08.SUPPLEMENT]})


def behaviour() -> RSABenchmark:
    return RSABenchmark(
        identifier="kriegeskorte2008.behaviour", region="IT", load_stimuli=k08.load_stimuli,
        load_data=k08.load_behaviour_rdms, citation=DATASETS["kriegeskorte2008"].citation,
        description="similarity-judgment RDMs of 16 subjects (Mur et al. 2013), 92 images",
        data_files={p: _FILES[p] for p in (k08.SUPPLEMENT, "92_behavRDMs.mat")})
