"""ventral."""
