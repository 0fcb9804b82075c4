"""Error types: every problem neurovision reports to a user derives from :class:`NeurovisionError`."""


class NeurovisionError(Exception):
    """Base class; the CLI prints these as one clear line instead of a traceback."""


class UnknownNameError(NeurovisionError, KeyError):
    """A model, benchmark, layer or dataset name that is not registered (the message lists known ones)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
