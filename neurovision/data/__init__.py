"""Data: a registry of files (original URLs, sha256, licences) and one loader module per dataset.

Loaders return xarray objects with a ``stimulus_id`` coordinate wherever stimuli are involved.
"""
from .registry import (
                       DATASETS,
                       DataError,
                       DataIntegrityError,
                       DataNotFoundError,
                       UnknownDatasetError,
                       fetch,
                       mirror_root,
                       verify,
)

__all__ = ["DATASETS", "DataError", "DataIntegrityError", "DataNotFoundError", "UnknownDatasetError",
           "fetch", "mirror_root", "verify"]
