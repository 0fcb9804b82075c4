"""Registry of every data file neurovision reads: original URL at a pinned commit, sha256, licence, citation.

Lookup order for ``fetch(dataset, path)``:

1. ``$NEUROVISION_DATA/<dataset>/<path>`` — a local mirror laid out like ``../shared/data``;
2. ``<system_dir>/<path>`` for each of the dataset's ``system_dirs`` — copies installed by the operating
   system's package manager (e.g. ``/usr/share/datasets/fashion-mnist`` from the Debian package
   ``dataset-fashion-mnist``); read in place, never copied;
3. ``<cache>/data/<dataset>/<path>`` — an earlier download (see :mod:`neurovision.cache`);
4. download from the original URL with pooch (hash-checked) into the cache.

Gzip sources (``Dataset.gzip_sources``). For a dataset whose sources are gzip archives, the registered
path and sha256 are those of the *decompressed* file: where ``<path>`` itself is absent, ``<path>.gz`` is
looked for in the mirror and the system folders (and downloaded from the URL), decompressed once into the
cache, and the decompressed bytes are checked. The content hash makes copies that were re-compressed
(Debian's) and the originals verify alike, whereas their ``.gz`` bytes differ.

Every file is checked against its sha256 before it is handed out; a mismatch raises
:class:`DataIntegrityError` naming the file. A file that cannot be found anywhere (offline, no
mirror) raises :class:`DataNotFoundError` naming the file, every place looked in, and how to
supply it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..cache import atomic_path, cache_dir, file_sha256
from ..errors import NeurovisionError, UnknownNameError, did_you_mean
from ..progress import enabled as progress_enabled
from ._sha256 import SHA256

MIRROR_ENV = "NEUROVISION_DATA"


class DataError(NeurovisionError, RuntimeError):
    """Base class of data problems."""


class DataNotFoundError(DataError, FileNotFoundError):
    """A registered file is in none of the places looked in and could not be downloaded."""


class DataIntegrityError(DataError):
    """A file's bytes do not hash to the registered sha256 (corrupt, truncated, or a different file)."""


class UnknownDatasetError(DataError, UnknownNameError):
    """A dataset or file name that is not registered."""


@dataclass(frozen=True)
class Dataset:
    """One dataset: where its files come from, under what licence, and what to cite."""

    name: str
    url_base: str | None  # original location at a pinned commit; None = derived file, mirror only
    licence: str
    citation: str
    description: str
    files: dict = field(default_factory=dict)  # relative path -> sha256
    url_overrides: dict = field(default_factory=dict)  # relative path -> full URL (None: no URL)
    system_dirs: tuple = ()  # folders of OS-installed copies, looked in after the mirror (see module doc)
    gzip_sources: bool = False  # sources hold <path>.gz; files/sha256 are of the decompressed bytes

    def url(self, path: str) -> str | None:
        if path in self.url_overrides:
            return self.url_overrides[path]
        return None if self.url_base is None else self.url_base + quote(path)


_GH = "https://raw.githubusercontent.com/"

DATASETS: dict[str, Dataset] = {
    "kriegeskorte2008": Dataset(
        name="kriegeskorte2008",
        url_base=_GH + "rsagroup/rsatoolbox/f1f83cadb7243492a1aae7460466e0f0140b20ac/demos/92imageData/",
        licence="MIT (rsagroup/rsatoolbox repository); data from the cited papers",
        citation=(
            "Kriegeskorte N, Mur M, Ruff DA, Kiani R, et al. (2008) Matching categorical object representations "
            "in inferior temporal cortex of man and monkey. Neuron 60:1126-1141. Kiani R, Esteky H, Mirpour K, "
            "Tanaka K (2007) J Neurophysiol 97:4296-4309. Mur M et al. (2013) Front Psychol 4:128."
        ),
        description="92 object images; monkey IT RDM (674 neurons); human IT fMRI RDMs (4 subjects x 2 sessions); "
        "16 similarity-judgment RDMs",
        files=SHA256["kriegeskorte2008"],
    ),
    "cichy2014": Dataset(
        name="cichy2014",
        url_base=_GH + "kejriwalawadh/Predicting-Visual-Brain-Response-using-Convolutional-Neural-Networks/"
        "1529710db1b9f0081f7669cc7d752becb6fe5725/Training_Data/92_Image_Set/",
        licence="none stated (Algonauts 2019 data; academic use, cite the papers)",
        citation=(
            "Cichy RM, Pantazis D, Oliva A (2014) Resolving human object recognition in space and time. "
            "Nat Neurosci 17:455-462. Cichy RM, Roig G, et al. (2019) The Algonauts Project. arXiv:1905.05675."
        ),
        description="same 92 images (white background); fMRI EVC/IT RDMs of 15 subjects; MEG early/late RDMs",
        files=SHA256["cichy2014"],
        url_overrides={
            **{f"images/image_{i:02d}.jpg": _GH + "kejriwalawadh/Predicting-Visual-Brain-Response-using-"
               "Convolutional-Neural-Networks/1529710db1b9f0081f7669cc7d752becb6fe5725/Training_Data/"
               f"92_Image_Set/92images/image_{i:02d}.jpg" for i in range(1, 93)},
            "rearranged_meg_92.mat": _GH + "dnn-hvs/Investigate-RDMs/e85445971b40d081a1f2824e6a194e834d5e1907/"
            "src/rearranged_rdms/rearranged_meg_92.mat",
            "derived_cichy2014_92_rdms.npz": None,
        },
    ),
    "cowley2023_v4": Dataset(
        name="cowley2023_v4",
        url_base=_GH + "cowleygroup/V4_compact_models/f4552ad9d34a466ebc66658f72a08a8e5038f1cf/data_V4_responses/",
        licence="GPL-3.0",
        citation="Cowley BR, Stan PL, Pillow JW, Smith MA (2023) Compact deep neural network models of visual "
        "cortex. bioRxiv 2023.11.22.",
        description="macaque V4 spike counts to 112-px images, 12 sessions (one with per-repeat responses)",
        files=SHA256["cowley2023_v4"],
    ),
    "cottier2023_flashlag": Dataset(
        name="cottier2023_flashlag",
        url_base=_GH + "alexholcombe/qualitativeIndividDiffsMotnPostnIllusions/"
        "72310d9679317059cf5d173e5be37ec83a2f5c77/publishedMotnPostnDataToLoad/",
        licence="MIT (repository); OSF data licence unverified",
        citation="Cottier TV, Turner W, Holcombe AO, Hogendoorn H (2023) Journal of Vision "
        "(motion-position illusions, individual differences).",
        description="flash-lag and 7 related motion-position illusions, ~85-104 people, two sessions",
        files=SHA256["cottier2023_flashlag"],
        url_overrides={
            **{p: _GH + "alexholcombe/qualitativeIndividDiffsMotnPostnIllusions/"
               "72310d9679317059cf5d173e5be37ec83a2f5c77/"
               "publishedMotnPostnDataToLoad/osfstorageForCottierEtAl2023/Data/"
               + quote("Effect files/" + p.split("/")[1])
               for p in SHA256["cottier2023_flashlag"] if p.startswith("effect_files/")},
            "Average_Array.csv": _GH + "alexholcombe/qualitativeIndividDiffsMotnPostnIllusions/"
            "72310d9679317059cf5d173e5be37ec83a2f5c77/publishedMotnPostnDataToLoad/osfstorageForCottierEtAl2023/Data/"
            "Average_Array.csv",
            "FLE_stimulus_conditions_ParametersNew.xlsx":
            _GH + "alexholcombe/qualitativeIndividDiffsMotnPostnIllusions/"
            "72310d9679317059cf5d173e5be37ec83a2f5c77/publishedMotnPostnDataToLoad/osfstorageForCottierEtAl2023/"
            + quote("Experiment code/Flash lag effect/ParametersNew.xlsx"),
        },
    ),
    "adams2015_occluded_pursuit": Dataset(
        name="adams2015_occluded_pursuit",
        url_base=_GH + "spm/spm12/03ac9473cad402407b6472228377c0167fdc54b8/toolbox/SPEM_and_DCM/",
        licence="GPL-2.0-or-later (SPM12)",
        citation="Adams RA, Aponte E, Marshall L, Friston KJ (2015) Active inference and oculomotor pursuit: the "
        "dynamic causal modelling of eye movements. J Neurosci Methods 242:1-14.",
        description="grand-average human eye position pursuing a sinusoidal target through an occluder, 4 conditions",
        files=SHA256["adams2015_occluded_pursuit"],
    ),
}

DATASETS["zhang2022_mt_speed"] = Dataset(
    name="zhang2022_mt_speed",
    url_base=_GH + "lingqiz/Speed_Prior_2021/78cc4f16e3dd68a1bcf4b63b3e9a2a187613cab3/",
    licence="none stated (repository without LICENSE; MT data courtesy of G. DeAngelis; academic use, cite the papers)",
    citation="Zhang L-Q, Stocker AA (2022) Prior expectations in visual speed perception predict encoding "
    "characteristics of neurons in area MT. J Neurosci 42:2951-2962. Nover H, Anderson CH, DeAngelis GC (2005) "
    "J Neurosci 25:10049-10060. Stocker AA, Simoncelli EP (2006) Nat Neurosci 9:578-585.",
    description="470 macaque MT neurons' firing rate per trial at speeds 0-32 deg/s (Nover et al. 2005) with "
    "log-Gaussian fits; 5 people's speed-discrimination 2AFC trials at two contrasts (Stocker & Simoncelli 2006)",
    files=SHA256["zhang2022_mt_speed"],
)

DATASETS["fashion_mnist"] = Dataset(
    name="fashion_mnist",
    # the upstream repository's data folder; the Debian package (0.0~git20200523.55506a9) was made from
    # commit 55506a9 (full hash not found offline); this pin is an earlier commit holding the same files —
    # the registered hashes are of the decompressed idx bytes, so any other content fails its check
    url_base=_GH + "zalandoresearch/fashion-mnist/949006594cc2f804a93b9155849734564c3545ec/data/fashion/",
    licence="MIT (Zalando SE, 2017)",
    citation="Xiao H, Rasul K, Vollgraf R (2017) Fashion-MNIST: a novel image dataset for benchmarking "
    "machine learning algorithms. arXiv:1708.07747.",
    description="70,000 grayscale 28x28 images of Zalando articles in 10 classes (60,000 train, 10,000 test), "
    "idx format; offline from the Debian package dataset-fashion-mnist",
    files={  # sha256 of the decompressed idx files (the .gz sources differ between upstream and Debian)
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
    url_overrides={name: _GH + "zalandoresearch/fashion-mnist/949006594cc2f804a93b9155849734564c3545ec/"
                   f"data/fashion/{name}.gz" for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")},
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    gzip_sources=True,
)

_verified: dict[Path, str] = {}  # path -> sha256 already checked in this process (keyed with mtime/size)


def _dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        hint = did_you_mean(name, DATASETS) or ";"
        raise UnknownDatasetError(f"unknown dataset {name!r}{hint} known: {', '.join(sorted(DATASETS))}") from None


def mirror_root() -> Path | None:
    """The local mirror named by ``$NEUROVISION_DATA`` (or None)."""
    value = os.environ.get(MIRROR_ENV)
    return Path(value).expanduser() if value else None


def _check(path: Path, expected: str, dataset: str, rel: str) -> Path:
    st = path.stat()
    key = (path.resolve(), st.st_mtime_ns, st.st_size)
    if _verified.get(key) == expected:
        return path
    actual = file_sha256(path)
    if actual != expected:
        raise DataIntegrityError(
            f"{dataset}/{rel}: sha256 mismatch at {path}\n  expected {expected}\n  found    {actual}\n"
            "The file is corrupt, truncated or not the registered one; delete or replace it."
        )
    _verified[key] = expected
    return path


def _gunzip_checked(gz: Path, target: Path, expected: str, dataset: str, rel: str) -> Path:
    """Decompress ``gz`` atomically to ``target`` (in the cache) and check the decompressed bytes."""
    import gzip
    import shutil

    try:
        with gzip.open(gz, "rb") as src, atomic_path(target) as tmp, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except (OSError, EOFError) as err:  # not gzip, truncated
        raise DataIntegrityError(f"{dataset}/{rel}: cannot decompress {gz}: {err}") from err
    try:
        return _check(target, expected, dataset, rel)
    except DataIntegrityError as err:
        target.unlink()
        raise DataIntegrityError(f"{err} (decompressed from {gz})") from None


def fetch(dataset: str, path: str, *, download: bool = True) -> Path:
    """Local path of a registered file, verified against its sha256 (see module doc for the lookup order)."""
    ds = _dataset(dataset)
    if path not in ds.files:
        raise UnknownDatasetError(f"{dataset!r} has no registered file {path!r}{did_you_mean(path, ds.files)}")
    expected = ds.files[path]
    looked = []
    cached = cache_dir("data") / dataset / path
    mirror = mirror_root()
    places = [] if mirror is None else [(mirror / dataset / path, f"${MIRROR_ENV}")]
    places += [(Path(d) / path, "system copy") for d in ds.system_dirs]
    if mirror is None:
        looked.append(f"${MIRROR_ENV} (not set)")
    for candidate, label in places:
        looked.append(f"{candidate} ({label})")
        if candidate.is_file():
            return _check(candidate, expected, dataset, path)
        if ds.gzip_sources:
            gz = candidate.with_name(candidate.name + ".gz")
            looked.append(f"{gz} ({label})")
            if gz.is_file() and not cached.is_file():
                return _gunzip_checked(gz, cached, expected, dataset, path)
    looked.append(f"{cached} (cache)")
    if cached.is_file():
        return _check(cached, expected, dataset, path)
    url = ds.url(path)
    if download and url is not None:
        import pooch

        looked.append(url)
        try:
            if ds.gzip_sources:  # the .gz bytes are not registered; the decompressed content is checked
                gz = pooch.retrieve(url, known_hash=None, fname=Path(path).name + ".gz", path=cached.parent,
                                    progressbar=progress_enabled())
                return _gunzip_checked(Path(gz), cached, expected, dataset, path)
            out = pooch.retrieve(url, known_hash=f"sha256:{expected}", fname=Path(path).name,
                                 path=cached.parent, progressbar=progress_enabled())  # pooch names the file
            return _check(Path(out), expected, dataset, path)
        except DataIntegrityError:
            raise
        except ValueError as err:  # pooch's hash mismatch
            raise DataIntegrityError(f"{dataset}/{path}: download from {url} failed its hash check: {err}") from err
        except Exception as err:  # network errors of any kind
            reason = f"download failed ({type(err).__name__}: {err})"
    else:
        reason = "no original URL (derived file)" if url is None else "download disabled"
    raise DataNotFoundError(
        f"data file {dataset}/{path} not found; {reason}.\nLooked in:\n  - " + "\n  - ".join(looked)
        + f"\nSupply it by pointing ${MIRROR_ENV} at a folder laid out as <dataset>/<path> "
        f"(e.g. export {MIRROR_ENV}=../shared/data), or copy it to {cached}."
    )


def verify(datasets: list[str] | None = None, download: bool = False):
    """Check every registered file; yields ``(dataset, path, status, location)`` rows.

    status is ``ok``, ``missing`` or ``BAD HASH``.
    """
    for name in datasets or sorted(DATASETS):
        ds = _dataset(name)
        for rel in sorted(ds.files):
            try:
                loc = fetch(name, rel, download=download)
                yield name, rel, "ok", str(loc)
            except DataNotFoundError:
                yield name, rel, "missing", ""
            except DataIntegrityError as err:
                yield name, rel, "BAD HASH", str(err).splitlines()[0]
