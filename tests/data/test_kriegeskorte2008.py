"""Kriegeskorte et al. 2008 loaders on the real files, checked against facts stated by the data's source."""
from __future__ import annotations

import numpy as np
from scipy.spatial.distance import squareform
from scipy.stats import spearmanr

from neurovision.data import kriegeskorte2008 as k08


def test_stimuli(data_mirror):
    s = k08.load_stimuli()
    assert s.dims == ("presentation", "height", "width", "channel")
    assert s.shape == (92, 175, 175, 3) and s.dtype == np.uint8
    assert s["stimulus_id"].values[0] == "image_01" and s["stimulus_id"].values[-1] == "image_92"
    cats, counts = np.unique(s["category"].values, return_counts=True)
    assert dict(zip(cats, counts)) == {"human bodypart": 12, "human face": 12, "nonhuman bodypart": 12,
                                       "nonhuman face": 12, "natural inanimate": 23, "artificial inanimate": 21}
    assert s["animate"].sum() == 48  # 24 human + 24 animal images


def test_rdms_shapes_and_validity(data_mirror):
    m = k08.load_monkey_it_rdm()
    h = k08.load_human_it_rdms()
    b = k08.load_behaviour_rdms()
    assert m.shape == (92, 92) and h.shape == (4, 2, 92, 92) and b.shape == (16, 92, 92)
    for da in (m, h, b):
        v = da.values
        assert np.allclose(v, np.swapaxes(v, -1, -2)) and np.all(np.diagonal(v, axis1=-2, axis2=-1) == 0)
        assert list(da["stimulus_id"].values) == list(da["stimulus_id_2"].values)
    assert 0.5 < float(m.values[np.triu_indices(92, 1)].min()) and float(m.max()) < 1.25  # MANIFEST: 0.52-1.22


def test_against_source_facts(data_mirror):
    """MANIFEST facts: the mean of the 8 human RDMs is the published hIT RDM (Spearman 1.0);
    Spearman(mIT, hIT) = 0.44 over the 4186 pairs (Kriegeskorte et al. 2008 compare them in Fig. 1)."""
    import scipy.io

    from neurovision.data import fetch
    sup = scipy.io.loadmat(fetch("kriegeskorte2008", k08.SUPPLEMENT), squeeze_me=True, struct_as_record=False)
    hit = next(r for r in sup["RDMs_mIT_hIT_fig1"] if str(r.name).startswith("hIT")).RDM
    mean8 = k08.load_human_it_rdms().mean(("subject", "session")).values
    assert spearmanr(squareform(mean8, checks=False), hit)[0] > 0.999
    mit = squareform(k08.load_monkey_it_rdm().values, checks=False)
    assert round(spearmanr(mit, hit)[0], 2) == 0.44
