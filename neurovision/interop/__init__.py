"""Interoperability with other frameworks (Brain-Score)."""
