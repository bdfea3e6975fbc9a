"""Waiting in app tests: for the app's workers and the messages they post, never for a fixed time.

- :func:`settle`: the workers (of one area, or all) have finished and the messages they posted are handled.
  Most waits are this: press a key or set a value, settle, assert.
- :func:`until`: a condition reached through a timer or a child process, where no worker ends at the
  moment it holds; it is re-checked each time the app has handled everything pending (``pilot.pause()``).
- :class:`MessageLog`: a ``run_test(message_hook=...)`` recorder, to count the messages the app handled or
  wait for one.

Workers that never end (a live sampler) are left out with ``ignore_groups``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.geometry import Region
from textual.message import Message
from textual.pilot import Pilot
from textual.worker import Worker, WorkerCancelled, WorkerFailed

M = TypeVar("M", bound=Message)


def busy_workers(
    pilot: Pilot[Any], node: DOMNode | None = None, ignore_groups: Collection[str] = ()
) -> list[Worker[Any]]:
    """Unfinished workers started by ``node`` or a widget inside it (any node when None)."""
    return [
        worker
        for worker in pilot.app.workers
        if not worker.is_finished
        and worker.group not in ignore_groups
        and (node is None or worker.node is node or node in worker.node.ancestors)
    ]


async def settle(
    pilot: Pilot[Any],
    *,
    node: DOMNode | None = None,
    ignore_groups: Collection[str] = (),
    timeout_s: float = 120.0,
) -> None:
    """Return once the workers of ``node`` have finished and the app has handled what they posted.

    After the last worker, two rounds of ``pilot.pause()`` with none running: the first handles the
    workers' messages, the second what those handlers passed on (bubbled messages, callbacks after a
    refresh), which may start new workers, and then the wait goes on.
    """

    async def wait() -> None:
        rounds_without_work = 0
        while True:
            if not pilot.app.is_running:
                raise AssertionError("the app stopped (see the error it raised)")
            busy = busy_workers(pilot, node, ignore_groups)
            if busy:
                rounds_without_work = 0
                # A failed or cancelled worker is the app's to show; the test asserts on that.
                with contextlib.suppress(WorkerCancelled, WorkerFailed):
                    await pilot.app.workers.wait_for_complete(busy)
            elif rounds_without_work >= 2:
                return
            await pilot.pause()
            rounds_without_work += 1

    try:
        await asyncio.wait_for(wait(), timeout_s)
    except asyncio.TimeoutError:
        names = [f"{w.group}/{w.name}" for w in busy_workers(pilot, node, ignore_groups)]
        raise AssertionError(
            f"the app did not settle within {timeout_s} s (still running: {names})"
        ) from None


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout_s: float = 120.0) -> None:
    """Let the app run until ``condition`` holds, checking it whenever the app has handled what is pending."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if not pilot.app.is_running:
            raise AssertionError("the app stopped (see the error it raised)")
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await pilot.pause()


class MessageLog:
    """Every message the app handled, in order; pass it to ``run_test(message_hook=...)``.

    A bubbling message reaches the hook once per widget on its way; it is recorded once.
    """

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._seen: set[int] = set()
        self._arrived = asyncio.Event()

    def __call__(self, message: Message) -> None:
        if id(message) not in self._seen:  # the list keeps each message alive, so ids stay unique
            self._seen.add(id(message))
            self.messages.append(message)
            self._arrived.set()

    def of(self, kind: type[M]) -> list[M]:
        return [message for message in self.messages if isinstance(message, kind)]

    async def wait_for(self, pilot: Pilot[Any], kind: type[M], count: int = 1, timeout_s: float = 60.0) -> M:
        """Until the app has handled ``count`` messages of ``kind`` (in all), then return the last of them."""

        async def arrived() -> None:
            while len(self.of(kind)) < count:
                self._arrived.clear()
                await self._arrived.wait()

        try:
            await asyncio.wait_for(arrived(), timeout_s)
        except asyncio.TimeoutError:
            raise AssertionError(f"no {kind.__name__} #{count} within {timeout_s} s") from None
        await pilot.pause()  # the hook sees a message before its handlers run
        return self.of(kind)[count - 1]


def screen_text(pilot: Pilot[Any], region: Region) -> str:
    """The characters the screen shows inside ``region``, row by row, whitespace collapsed: what a user can read.

    Read from the screen's compositor (the cells Textual draws), so a label cut off at a widget's edge or hidden
    under another widget is not there.
    """
    strips = pilot.app.screen._compositor.render_strips()
    visible = region.intersection(Region(0, 0, pilot.app.size.width, len(strips)))
    rows = [strips[y].crop(visible.x, visible.right).text for y in range(visible.y, visible.bottom)]
    return " ".join(" ".join(rows).split())
