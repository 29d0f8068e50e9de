"""The event bus: any thread in, the UI loop out, in order, robust to failing callbacks."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass

import pytest

from app.services.events import MAX_PENDING, Event, EventBus


@dataclass(frozen=True)
class Ticked(Event):
    n: int


@dataclass(frozen=True)
class TickedTwice(Ticked):
    pass


@dataclass(frozen=True)
class Other(Event):
    pass


async def _until(predicate: object, timeout: float = 2.0) -> None:
    """Yield to the loop until `predicate()` holds (bounded)."""
    assert callable(predicate)
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting for delivery"
        await asyncio.sleep(0.005)


async def test_publish_from_thread_runs_callback_on_loop_thread_in_order() -> None:
    bus = EventBus()
    bus.attach_loop(asyncio.get_running_loop())
    loop_thread = threading.get_ident()
    seen: list[tuple[int, int]] = []
    bus.subscribe(Ticked, lambda e: seen.append((e.n, threading.get_ident())))

    def publisher() -> None:
        for n in range(500):
            bus.publish(Ticked(n))

    thread = threading.Thread(target=publisher)
    thread.start()
    thread.join()
    await _until(lambda: len(seen) == 500)
    assert [n for n, _ in seen] == list(range(500))
    assert {ident for _, ident in seen} == {loop_thread}
    bus.close()


async def test_order_per_thread_with_many_threads() -> None:
    bus = EventBus()
    bus.attach_loop(asyncio.get_running_loop())
    seen: dict[int, list[int]] = {}
    bus.subscribe(Ticked, lambda e: seen.setdefault(e.n // 1000, []).append(e.n % 1000))

    def publisher(t: int) -> None:
        for i in range(200):
            bus.publish(Ticked(t * 1000 + i))

    threads = [threading.Thread(target=publisher, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    await _until(lambda: sum(map(len, seen.values())) == 800)
    assert all(seen[t] == list(range(200)) for t in range(4))
    bus.close()


async def test_publish_on_loop_is_never_reentrant() -> None:
    bus = EventBus()
    bus.attach_loop(asyncio.get_running_loop())
    seen: list[int] = []
    bus.subscribe(Ticked, lambda e: seen.append(e.n))
    bus.publish(Ticked(1))
    assert seen == []  # delivered by the loop later, not inside publish()
    await _until(lambda: seen == [1])
    bus.close()


async def test_failing_callback_is_logged_and_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    bus.attach_loop(asyncio.get_running_loop())
    seen: list[str] = []

    def broken(_: Ticked) -> None:
        raise ValueError("broken subscriber")

    bus.subscribe(Ticked, lambda e: seen.append("before"))
    bus.subscribe(Ticked, broken)
    bus.subscribe(Ticked, lambda e: seen.append("after"))
    with caplog.at_level(logging.ERROR, logger="anitui.events"):
        bus.publish(Ticked(1))
        bus.publish(Ticked(2))
        await _until(lambda: len(seen) == 4)
    assert seen == ["before", "after", "before", "after"]
    assert sum("broken subscriber" in (r.exc_text or "") for r in caplog.records) == 2
    bus.close()


async def test_events_before_attach_are_queued_then_delivered_in_order() -> None:
    bus = EventBus()
    seen: list[int] = []
    bus.subscribe(Ticked, lambda e: seen.append(e.n))
    for n in range(3):
        bus.publish(Ticked(n))
    await asyncio.sleep(0.01)
    assert seen == []
    bus.attach_loop(asyncio.get_running_loop())
    bus.publish(Ticked(3))
    await _until(lambda: len(seen) == 4)
    assert seen == [0, 1, 2, 3]
    bus.close()


async def test_pre_attach_queue_is_bounded_keeping_newest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    seen: list[int] = []
    bus.subscribe(Ticked, lambda e: seen.append(e.n))
    for n in range(MAX_PENDING + 10):
        bus.publish(Ticked(n))
    with caplog.at_level(logging.WARNING, logger="anitui.events"):
        bus.attach_loop(asyncio.get_running_loop())
    await _until(lambda: len(seen) == MAX_PENDING)
    assert seen == list(range(10, MAX_PENDING + 10))
    assert "10 events" in caplog.text
    bus.close()


async def test_subclasses_reach_base_subscribers_only() -> None:
    bus = EventBus()
    bus.attach_loop(asyncio.get_running_loop())
    base: list[Event] = []
    ticked: list[Event] = []
    twice: list[Event] = []
    bus.subscribe(Event, base.append)
    bus.subscribe(Ticked, ticked.append)
    bus.subscribe(TickedTwice, twice.append)
    bus.publish(Ticked(1))
    bus.publish(TickedTwice(2))
    bus.publish(Other())
    await _until(lambda: len(base) == 3)
    assert ticked == [Ticked(1), TickedTwice(2)]
    assert twice == [TickedTwice(2)]
    bus.close()


async def test_unsubscribe_also_stops_events_already_on_their_way() -> None:
    bus = EventBus()
    bus.attach_loop(asyncio.get_running_loop())
    kept: list[int] = []
    dropped: list[int] = []
    bus.subscribe(Ticked, lambda e: kept.append(e.n))
    unsubscribe = bus.subscribe(Ticked, lambda e: dropped.append(e.n))
    bus.publish(Ticked(1))
    unsubscribe()
    bus.publish(Ticked(2))
    await _until(lambda: kept == [1, 2])
    assert dropped == []
    unsubscribe()  # twice is harmless
    bus.close()


async def test_close_drops_queued_and_makes_publish_a_no_op() -> None:
    bus = EventBus()
    seen: list[int] = []
    bus.subscribe(Ticked, lambda e: seen.append(e.n))
    bus.attach_loop(asyncio.get_running_loop())
    bus.publish(Ticked(1))
    bus.close()
    bus.publish(Ticked(2))
    bus.subscribe(Ticked, lambda e: seen.append(e.n))
    await asyncio.sleep(0.02)
    assert seen == []


def test_publish_after_the_loop_closed_is_dropped_quietly() -> None:
    bus = EventBus()
    loop = asyncio.new_event_loop()
    bus.attach_loop(loop)
    loop.close()
    bus.publish(Ticked(1))  # a player thread outliving the app must not crash
    bus.close()


async def test_event_from_a_plain_thread_reaches_a_textual_screen() -> None:
    from textual.app import App, ComposeResult
    from textual.message import Message
    from textual.widgets import Static

    bus = EventBus()

    class Seen(Message):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.n = n

    class BusApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("waiting", id="status", markup=False)

        def on_mount(self) -> None:
            bus.attach_loop(asyncio.get_running_loop())
            bus.subscribe(Ticked, lambda e: self.post_message(Seen(e.n)))

        def on_seen(self, message: Seen) -> None:
            self.query_one("#status", Static).update(f"tick {message.n}")

    app = BusApp()
    async with app.run_test() as pilot:
        thread = threading.Thread(target=bus.publish, args=(Ticked(7),))
        thread.start()
        thread.join()
        status = app.query_one("#status", Static)
        for _ in range(200):
            if str(status.content) == "tick 7":
                break
            await pilot.pause(0.01)
        assert str(status.content) == "tick 7"
    bus.close()
