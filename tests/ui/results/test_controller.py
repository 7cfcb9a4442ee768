"""ResultsController: what a tab runs is decided from the query given, without any widget."""

from __future__ import annotations

from explorer.core.catalog import Operator
from explorer.core.query import FilterCondition, Query
from explorer.ui.results.controller import ResultsController
from explorer.ui.results.table_model import RecordTableModel

HARDWARE = "GET /core/v1/assets/hardware"


def make_controller(app_context, endpoint_id):
    endpoint = app_context.catalog.find(endpoint_id)
    model = RecordTableModel()
    controller = ResultsController(app_context, endpoint, model)
    said: list[str] = []
    controller.status.connect(said.append)
    return controller, model, said


def test_an_invalid_query_is_refused_with_its_reason_and_nothing_is_sent(qapp, app_context):
    controller, model, said = make_controller(app_context, HARDWARE)
    before = len(app_context.request_log.entries())
    bad = Query(endpoint_id=HARDWARE, filters=(FilterCondition("colour", Operator.EQ, ("red",)),))
    assert controller.run(bad, visible_columns=None) is False
    assert said
    assert said[0].startswith("Fix the marked problems first: ")
    assert "colour" in said[0]
    assert controller.query is None
    assert not model.is_loading
    assert len(app_context.request_log.entries()) == before


def test_a_non_get_endpoint_is_never_run(qapp, app_context):
    post = next(e for e in app_context.catalog.endpoints() if e.method.upper() != "GET")
    controller, _model, said = make_controller(app_context, post.id)
    assert controller.run(Query(endpoint_id=post.id), visible_columns=None) is False
    assert "changes data on the server" in said[-1]


def test_a_valid_query_runs_and_load_all_reports_progress_then_done(qapp, app_context, run, until):
    controller, model, said = make_controller(app_context, HARDWARE)
    progress: list[tuple[int, object, str]] = []
    running: list[bool] = []
    controller.load_all_progress.connect(lambda *a: progress.append(a))
    controller.load_all_running.connect(running.append)
    query = Query(endpoint_id=HARDWARE, page_size=100)
    assert controller.run(query, visible_columns=None)
    assert controller.query == query
    run(until(lambda: model.loaded_count >= 100 and not model.is_loading))
    controller.start_load_all()
    run(until(lambda: running == [True, False]))
    assert model.loaded_count == model.total_count
    assert said[-1] == f"All {model.loaded_count:,} rows loaded."
    assert progress[-1][0] == model.loaded_count
    assert "rows/s" in progress[-1][2]
    run(model.wait_idle())
