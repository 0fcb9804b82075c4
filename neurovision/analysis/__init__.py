"""Analyses of models beyond benchmark scores: hidden-state RSA of the tracker (``dorsal_rsa``), the tracker's
tracking evaluation (``tracker_evaluation``) and data-driven region commitments (``commitment_selection``)."""
