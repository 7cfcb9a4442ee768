"""RecordTableModel: the Qt model contract (QAbstractItemModelTester), paging without duplicates,
flattened columns and compact storage. A scripted fetcher stands in for PageFetcher here; the
results-tab tests run the same model against the sandbox over HTTP."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from explorer.core.catalog import Endpoint, Link, PaginationKind, SchemaField
from explorer.core.humanize import local_datetime
from explorer.ui.results.find_bar import FindProxyModel
from explorer.ui.results.table_model import LinkRole, RawValueRole, RecordTableModel
from tests.ui.conftest import settle


@dataclass
class FakePage:
    records: list
    total_count: int | None
    number: int
    is_last: bool


class ScriptedFetcher:
    """Serves `records` in pages of `size`, one request per `fetch_next`, counting the calls."""

    def __init__(self, records, size, *, total=True, delay=0.0, fail_on=None):
        self._records = records
        self._size = size
        self._next = 0
        self._total = len(records) if total else None
        self._delay = delay
        self._fail_on = fail_on
        self.calls: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def has_more(self):
        return self._next < len(self._records)

    @property
    def total_count(self):
        return self._total

    async def fetch_next(self):
        if not self.has_more:
            return None
        start = self._next
        self.calls.append(start)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self._delay)
            if self._fail_on is not None and start == self._fail_on:
                self._fail_on = None
                raise RuntimeError("page failed")
        finally:
            self.in_flight -= 1
        self._next = start + self._size  # advanced only when the page arrived
        chunk = self._records[start : self._next]
        return FakePage(chunk, self._total, len(self.calls), not self.has_more)


ENDPOINT = Endpoint(
    method="GET",
    path="/core/v1/assets/hardware",
    pagination=PaginationKind.CURSOR,
    record_fields=(
        SchemaField("id"),
        SchemaField("name"),
        SchemaField("client.id"),
        SchemaField("client.name"),
    ),
    links=(Link("client.id", "GET /core/v1/clients/{id}"),),
)


def make_records(n, start=0):
    return [
        {
            "id": f"r{i}",
            "name": f"host-{i:05d}",
            "client": {"id": f"c{i % 7}", "name": f"Client {i % 7}"},
            "tags": ["a", "b", "c", "d"][: i % 5],
            "ram": i * 1024,
        }
        for i in range(start, start + n)
    ]


@pytest.fixture
def model(qapp):
    return RecordTableModel()


def ids(model):
    return [model.record(r)["id"] for r in range(model.rowCount())]


def test_model_tester_through_paging_and_reset(model, qtmodeltester, run, until):
    records = make_records(23)
    fetcher = ScriptedFetcher(records, 5)
    model.start(ENDPOINT, fetcher, fetch_first=False)
    qtmodeltester.check(model)  # the tester calls fetchMore itself, also from rowsInserted

    async def drain():
        while model.has_more or model.is_loading:
            model.fetchMore(QModelIndex())
            await asyncio.sleep(0)

    run(drain())
    assert ids(model) == [r["id"] for r in records]
    assert model.total_count == 23
    assert fetcher.max_in_flight == 1
    assert fetcher.calls == [0, 5, 10, 15, 20]
    qtmodeltester.check(model)

    model.start(ENDPOINT, ScriptedFetcher(make_records(3), 2))
    # The tester asks for more from rowsInserted, so both pages arrive.
    run(until(lambda: not model.is_loading and model.rowCount() == 3))
    qtmodeltester.check(model)


def test_fetch_more_twice_fetches_one_page(model, run, until):
    fetcher = ScriptedFetcher(make_records(10), 4, delay=0.01)
    model.start(ENDPOINT, fetcher, fetch_first=False)
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert not model.canFetchMore(QModelIndex())
    run(until(lambda: model.rowCount() == 4))
    run(settle())
    assert fetcher.calls == [0]
    assert model.canFetchMore(QModelIndex())


def test_reentrant_fetch_from_rows_inserted_asks_for_the_next_page(model, run, until):
    fetcher = ScriptedFetcher(make_records(9), 2)
    model.start(ENDPOINT, fetcher, fetch_first=False)
    model.rowsInserted.connect(lambda *_: model.fetchMore(QModelIndex()))
    model.fetchMore(QModelIndex())
    run(until(lambda: model.rowCount() == 9 and not model.is_loading))
    assert fetcher.calls == [0, 2, 4, 6, 8]
    assert ids(model) == [f"r{i}" for i in range(9)]


def test_flattened_cells_arrays_links_and_alignment(model, run, until):
    model.start(ENDPOINT, ScriptedFetcher(make_records(5), 5))
    run(until(lambda: model.rowCount() == 5))
    columns = model.visible_columns()
    # Documented fields first, in catalog order, then the others as they first appear.
    assert columns[:4] == ["id", "name", "client.id", "client.name"]
    assert set(columns[4:]) == {"tags", "ram"}

    def cell(row, name, role=Qt.ItemDataRole.DisplayRole):
        return model.data(model.index(row, model.column_of(name)), role)

    assert cell(3, "client.name") == "Client 3"
    assert cell(4, "tags") == "[4 items]"
    assert cell(2, "tags") == "a, b"
    assert cell(0, "tags") == "[]"
    assert cell(3, "ram") == "3072"
    assert cell(3, "ram", RawValueRole) == 3072
    assert cell(3, "ram", Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
    assert cell(3, "client.id", LinkRole) is True
    assert cell(3, "name", LinkRole) is False
    assert model.headerData(1, Qt.Orientation.Horizontal) == "name"
    assert model.record(3)["client"] == {"id": "c3", "name": "Client 3"}


def test_columns_first_seen_in_a_later_page_are_added(model, qtmodeltester, run, until):
    first = make_records(2)
    later = [{**r, "warranty": {"expires_at": "2027-01-01"}} for r in make_records(2, start=2)]
    model.start(ENDPOINT, ScriptedFetcher(first + later, 2), fetch_first=False)
    model.fetchMore(QModelIndex())
    run(until(lambda: model.rowCount() == 2 and not model.is_loading))
    assert "warranty.expires_at" not in model.visible_columns()
    qtmodeltester.check(model)  # watches the column insertion that comes with page 2
    model.fetchMore(QModelIndex())
    run(until(lambda: model.rowCount() == 4 and not model.is_loading))
    column = model.column_of("warranty.expires_at")
    assert column >= 0
    assert model.data(model.index(0, column)) == ""
    assert model.data(model.index(3, column)) == "2027-01-01"


def test_chosen_columns_and_their_order(model, run, until):
    model.start(ENDPOINT, ScriptedFetcher(make_records(3), 3), visible_columns=["name", "id"])
    run(until(lambda: model.rowCount() == 3))
    assert model.visible_columns() == ["name", "id"]
    assert model.data(model.index(1, 0)) == "host-00001"
    model.set_visible_columns(["ram", "client.name"])
    assert model.data(model.index(2, 1)) == "Client 2"
    model.show_all_columns()
    assert model.columnCount() == len(model.all_columns())


def test_load_all_and_cancel_keep_what_was_loaded(model, run, until):
    fetcher = ScriptedFetcher(make_records(40), 4, delay=0.005)
    model.start(ENDPOINT, fetcher, fetch_first=False)
    seen = []

    async def cancel_midway():
        task = asyncio.ensure_future(
            model.load_all(lambda loaded, total: seen.append((loaded, total)))
        )
        await until(lambda: model.rowCount() >= 12)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(cancel_midway())
    kept = model.rowCount()
    assert 12 <= kept < 40
    assert seen[0] == (4, 40)
    assert not model.is_loading
    run(model.load_all())
    assert ids(model) == [f"r{i}" for i in range(40)]
    assert len(set(ids(model))) == 40


def test_failed_page_keeps_rows_and_retries_the_same_page(model, run, until, qtbot):
    fetcher = ScriptedFetcher(make_records(6), 2, fail_on=2)
    model.start(ENDPOINT, fetcher, fetch_first=False)
    model.fetchMore(QModelIndex())
    run(until(lambda: model.rowCount() == 2 and not model.is_loading))
    with qtbot.waitSignal(model.fetch_failed):
        model.fetchMore(QModelIndex())
        run(until(lambda: model.error is not None))
    assert model.rowCount() == 2
    assert not model.canFetchMore(QModelIndex())  # no silent hammering after an error
    model.retry()
    run(until(lambda: model.rowCount() == 4 and not model.is_loading))
    assert fetcher.calls == [0, 2, 2]


def test_a_stale_page_after_a_new_query_is_dropped(model, run, until):
    slow = ScriptedFetcher(make_records(4), 4, delay=0.05)
    model.start(ENDPOINT, slow)
    model.start(ENDPOINT, ScriptedFetcher(make_records(2, start=100), 2))
    run(until(lambda: model.rowCount() == 2))
    run(settle())  # the first query's page has arrived or was cancelled by now
    assert ids(model) == ["r100", "r101"]


def test_find_proxy_filters_loaded_rows(model, run, until, qtmodeltester):
    model.start(ENDPOINT, ScriptedFetcher(make_records(30), 30))
    run(until(lambda: model.rowCount() == 30))
    proxy = FindProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    assert run(proxy.search("client 3")) == 4  # rows 3, 10, 17, 24
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == [
        "r3",
        "r10",
        "r17",
        "r24",
    ]
    assert not proxy.canFetchMore(QModelIndex())
    assert run(proxy.search("")) == 30


def test_many_rows_store_compactly_and_read_back(model, qapp):
    """Many rows: the stored rows stay small and the last ones still read back (the 100,000-row
    figure is benchmarks/memory's)."""
    import tracemalloc

    total = 30_000
    records = make_records(total)
    model.start(ENDPOINT, None, fetch_first=False)
    traced_from = total - 10_000  # tracing slows every allocation down: measure the last 10,000
    for start in range(0, len(records), 1000):
        if start == traced_from:
            tracemalloc.start()
        model._add_page(FakePage(records[start : start + 1000], total, start // 1000, False))
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del records
    assert model.rowCount() == total
    # About 32 MB per 100,000 rows today; keeping the nested dicts would take several times that.
    kept_mb = current / (total - traced_from) * 100_000 / 1e6
    assert kept_mb < 60, f"{kept_mb:.0f} MB per 100,000 small rows"

    view = QTableView()
    view.setModel(model)
    view.resize(1200, 800)
    # Every cell of the last rows reads from the compact store (how fast is benchmarks/ui_stall's).
    last = [
        [model.data(model.index(row, column)) for column in range(model.columnCount())]
        for row in range(total - 60, total)
    ]
    assert [row.count(f"r{total - 60 + i}") for i, row in enumerate(last)] == [1] * 60
    view.scrollToBottom()
    view.grab()
    view.deleteLater()


def test_the_collector_policy_is_the_composition_roots_choice(model, run, until):
    """The model only says it stored rows; freezing happens only where the app installed it."""
    import gc

    from explorer.ui import memory

    gc.unfreeze()
    try:
        model.start(ENDPOINT, ScriptedFetcher(make_records(4), 2))
        run(until(lambda: not model.is_loading and model.rowCount() >= 2))
        assert gc.get_freeze_count() == 0  # no policy installed: nothing frozen
        memory.install_window_policy()
        model.fetchMore(QModelIndex())
        run(until(lambda: not model.is_loading and model.rowCount() == 4))
        assert gc.get_freeze_count() > 0
    finally:
        memory.reset_policy()
        gc.unfreeze()


def test_find_matches_a_date_as_the_table_shows_it_and_as_the_api_sent_it(model, run, until):
    records = make_records(3)
    records[1]["updated_at"] = "2026-08-01T14:03:00Z"
    model.start(ENDPOINT, ScriptedFetcher(records, 3))
    run(until(lambda: model.rowCount() == 3))
    proxy = FindProxyModel()
    proxy.setSourceModel(model)
    column = model.visible_columns().index("updated_at")
    shown = model.index(1, column).data()
    assert shown == local_datetime("2026-08-01T14:03:00Z")  # what the user reads in the cell
    assert run(proxy.search(shown)) == 1
    assert proxy.index(0, 0).data() == "r1"
    assert run(proxy.search("2026-08-01T14:03")) == 1  # the raw value still matches
