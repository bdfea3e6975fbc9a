"""The store's error type: one clear line the CLI and the app show as is."""

from __future__ import annotations

from fwtui.errors import FwtuiError


class StoreError(FwtuiError):
    """The results database cannot be opened, read or written as asked."""
