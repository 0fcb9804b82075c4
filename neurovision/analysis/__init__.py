"""Analyses of models beyond benchmark scores (hidden-state RSA of the tracker)."""
