"""Error types: every problem neurovision reports to a user derives from :class:`NeurovisionError`."""


class NeurovisionError(Exception):
    """Base class; the CLI prints these as one clear line instead of a traceback."""


class UnknownNameError(NeurovisionError, KeyError):
    """A model, benchmark, layer or dataset name that is not registered (the message lists known ones)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConstantRDMWarning(UserWarning):
    """An RDM has no rank order or variance (all dissimilarities equal; for cosine methods: all zero).

    Comparisons involving it are undefined: they are returned as NaN, and the warning names the RDM(s).
    """


class ConstantRepresentationWarning(UserWarning):
    """A representation is constant over stimuli (no variance): similarity measures involving it are undefined and
    returned as NaN; the warning names the side."""


def did_you_mean(name: str, known) -> str:
    """`` did you mean 'x'?`` for the (up to 3) known names closest to ``name`` (difflib ratio ≥ 0.6), or ``""``."""
    import difflib

    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=3, cutoff=0.6)
    return f"; did you mean {', '.join(map(repr, close))}?" if close else ""


def unknown_name(kind: str, name: str, known, hint: str = "") -> str:
    """The one message for an unknown ``kind`` name: the name, the closest known names, all known names."""
    known = sorted(map(str, known))
    return f"unknown {kind} {name!r}{did_you_mean(name, known) or ';'} known {kind}s: {', '.join(known)}{hint}"
