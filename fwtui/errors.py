"""Errors that reach the user as one clear line instead of a traceback."""


class FwtuiError(Exception):
    """A failure the user can act on; the CLI prints ``fwtui: <message>`` and exits 1."""

    exit_code = 1


class UsageError(FwtuiError):
    """Bad command-line input (unknown name, bad value); exits 2 like argparse does."""

    exit_code = 2
