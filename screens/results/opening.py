"""How the Results area opens what it browses: a stored source of its own, or the app's local database.

Runs in the area's "open" worker; what it opened arrives as :class:`SourceOpened`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from fwtui.errors import FwtuiError
from fwtui.store.browse import ResultsSource, filter_options, open_source
from fwtui.store.errors import StoreError
from fwtui.store.fleet_read import open_remote_source
from fwtui.store.local import DatabaseAccess, LocalDatabase
from screens.context import AppContext

if TYPE_CHECKING:
    from fwtui.store.sample import SampleReport


class SourceOpened(Message, bubble=False):
    """What the area browses is open; ``local`` says how the local database opened (None for a stored one)."""

    def __init__(
        self,
        source: ResultsSource,
        options: dict[str, list[str]],
        local: LocalOpened | None,
    ) -> None:
        super().__init__()
        self.source, self.options, self.local = source, options, local


@dataclass(frozen=True)
class LocalOpened:
    """How the local database opened: its access, whether that changed, and the first launch's sample data."""

    access: DatabaseAccess
    changed: bool
    sample: SampleReport | None


def open_browsed(context: AppContext, *, retry: bool) -> SourceOpened:
    """Open what the app browses (a stored source, read-only, else the local database through the app's
    handle) and its filter options."""
    try:
        local: LocalOpened | None = None
        if context.browse_remote is not None:
            source = open_remote_source(context.browse_remote)
        elif context.browsing_stored:
            source = open_source(context.results_source, read_only=True)
        else:
            source, local = _open_local(context.database, retry=retry)
        try:
            return SourceOpened(source, filter_options(source.cursor()), local)
        except BaseException:
            source.close()
            raise
    except FwtuiError:
        raise
    except Exception as exc:  # said in one line, with the path
        where = context.browse_remote.url if context.browse_remote else context.results_source
        raise FwtuiError(f"cannot open {where}: {exc}") from None


def _open_local(database: LocalDatabase, *, retry: bool) -> tuple[ResultsSource, LocalOpened]:
    """The local database through the app's one handle; ``retry`` opens it again when another process held
    it. Browsing only reads, apart from the sample data loaded on the first launch."""
    from fwtui.store.sample import ensure_first_launch_in

    before = database.current()
    access = database.reopen() if retry else database.access()
    if not access.readable:
        raise StoreError(access.describe())
    sample = ensure_first_launch_in(database)
    changed = before is not None and before != access
    return database.results_source(), LocalOpened(access, changed, sample)
