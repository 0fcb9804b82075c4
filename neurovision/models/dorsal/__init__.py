"""dorsal."""
