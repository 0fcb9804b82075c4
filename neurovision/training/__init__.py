"""Training utilities (weight decay as a Gaussian prior, …)."""
