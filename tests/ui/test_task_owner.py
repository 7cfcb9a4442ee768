"""TaskOwner: the one way the window starts, replaces, cancels and reports its async work."""

from __future__ import annotations

import asyncio

from explorer.core.errors import ExplorerError
from explorer.ui.async_utils import TaskOwner, messages


def test_a_new_task_of_a_name_cancels_the_previous_one(run):
    owner = TaskOwner()
    release = asyncio.Event()

    async def waits() -> str:
        await release.wait()
        return "finished"

    async def scenario() -> tuple[bool, str]:
        first = owner.start("search", waits())
        await asyncio.sleep(0)
        second = owner.start("search", waits())
        release.set()
        result = await second
        await asyncio.gather(first, return_exceptions=True)
        return first.cancelled(), result

    assert run(scenario()) == (True, "finished")
    assert owner.get("search") is not None
    assert not owner.running("search")


def test_tasks_of_other_names_run_side_by_side_and_close_stops_all(run):
    owner = TaskOwner()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    async def scenario() -> list[bool]:
        tasks = [
            owner.start("a", forever()),
            owner.start("b", forever()),
            owner.start(None, forever()),
        ]
        await started.wait()
        assert all(not t.done() for t in tasks)
        await owner.close()
        return [t.cancelled() for t in tasks]

    assert run(scenario()) == [True, True, True]
    assert owner.tasks() == []


def test_failures_go_to_the_handler_or_the_one_reporter(run):
    handled: list[BaseException] = []
    posted: list[tuple[str, str, str]] = []

    def on_post(level: str, text: str, details: str) -> None:
        posted.append((level, text, details))

    async def fails() -> None:
        raise ExplorerError("boom", explanation="The thing failed; try again.")

    owner = TaskOwner("Loading")
    messages().listen(on_post)
    try:
        run(
            asyncio.gather(
                owner.start("x", fails(), on_error=handled.append), return_exceptions=True
            )
        )
        run(asyncio.gather(owner.start("y", fails()), return_exceptions=True))
        run(asyncio.sleep(0))  # the done callbacks run on the next loop turn
    finally:
        messages().stop_listening(on_post)
    assert [str(e) for e in handled] == ["boom"]
    assert len(posted) == 1
    assert posted[0][1] == "Loading: The thing failed; try again."
