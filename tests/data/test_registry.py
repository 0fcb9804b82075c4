"""Data registry: lookup order, sha256 checks, clear errors offline, `neurovision data verify`."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from neurovision.data import registry
from neurovision.data.registry import DATASETS, DataIntegrityError, DataNotFoundError, UnknownDatasetError, fetch

K08 = "kriegeskorte2008"
SMALL = "92_brainRDMs.mat"


def test_every_file_has_url_or_is_marked_derived_and_a_sha256():
    for name, ds in DATASETS.items():
        assert ds.files, name
        for path, sha in ds.files.items():
            assert len(sha) == 64 and int(sha, 16) >= 0
            url = ds.url(path)
            assert url is None or (url.startswith("https://") and len(url) > 40), (name, path)
        assert ds.licence and ds.citation


def test_urls_pin_a_commit():
    for ds in DATASETS.values():
        for path in ds.files:
            url = ds.url(path)
            if url is not None:
                assert any(len(part) == 40 and all(c in "0123456789abcdef" for c in part)
                           for part in url.split("/")), url


def test_fetch_from_mirror_is_verified(data_mirror):
    path = fetch(K08, SMALL)
    assert path == data_mirror / K08 / SMALL


def test_lookup_order_mirror_then_cache(tmp_path, monkeypatch, data_mirror):
    monkeypatch.setenv("NEUROVISION_DATA", str(tmp_path / "empty_mirror"))
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))
    cached = tmp_path / "cache" / "data" / K08 / SMALL
    cached.parent.mkdir(parents=True)
    shutil.copy(data_mirror / K08 / SMALL, cached)
    assert fetch(K08, SMALL, download=False) == cached


def test_missing_offline_names_file_places_and_remedy(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_DATA", str(tmp_path / "empty_mirror"))
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))
    import pooch

    def offline(*args, **kwargs):
        raise ConnectionError("network is unreachable")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataNotFoundError) as err:
        fetch(K08, SMALL)
    msg = str(err.value)
    assert f"{K08}/{SMALL}" in msg and "empty_mirror" in msg and "cache" in msg
    assert "raw.githubusercontent.com" in msg and "NEUROVISION_DATA" in msg and "network is unreachable" in msg


def test_hash_mismatch_is_refused(tmp_path, monkeypatch, data_mirror):
    mirror = tmp_path / "mirror"
    (mirror / K08).mkdir(parents=True)
    data = bytearray((data_mirror / K08 / SMALL).read_bytes())
    data[1000] ^= 0xFF  # one flipped byte
    (mirror / K08 / SMALL).write_bytes(bytes(data))
    monkeypatch.setenv("NEUROVISION_DATA", str(mirror))
    with pytest.raises(DataIntegrityError, match=f"{K08}/{SMALL}: sha256 mismatch"):
        fetch(K08, SMALL)


def test_corrupt_mat_file_gives_clear_error(tmp_path, monkeypatch):
    """A corrupt .mat whose registered hash matches (e.g. a bad upstream file) fails loudly in the loader."""
    from neurovision.cache import file_sha256
    from neurovision.data import kriegeskorte2008 as k08
    mirror = tmp_path / "mirror"
    (mirror / K08).mkdir(parents=True)
    bad = mirror / K08 / SMALL
    bad.write_bytes(b"MATLAB 5.0 MAT-file" + bytes(np.random.default_rng(0).integers(0, 255, 300, dtype=np.uint8)))
    monkeypatch.setenv("NEUROVISION_DATA", str(mirror))
    monkeypatch.setitem(DATASETS[K08].files, SMALL, file_sha256(bad))
    with pytest.raises(ValueError, match="cannot read MATLAB file"):
        k08.load_human_it_rdms()


def test_unknown_names():
    with pytest.raises(UnknownDatasetError, match="known: .*kriegeskorte2008"):
        fetch("no_such_dataset", "x")
    with pytest.raises(UnknownDatasetError, match="no registered file"):
        fetch(K08, "nope.mat")


def test_verify_cli_prints_table(data_mirror, capsys):
    from neurovision.cli import main
    assert main(["data", "verify", K08]) == 0
    out = capsys.readouterr().out
    assert "4/4 files ok" in out and SMALL in out


def test_verify_reports_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEUROVISION_DATA", str(tmp_path))
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path / "cache"))
    from neurovision.cli import main
    assert main(["data", "verify", "adams2015_occluded_pursuit"]) == 1
    assert "missing" in capsys.readouterr().out
    registry._verified.clear()
