"""The window with a profile for each authentication scheme: open the records of a loopback API
protected by that scheme, export every record exactly once (All matching records), with the OAuth2
token renewed midway and no error shown; no canary secret in the log, settings or files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from explorer.core.openapi import import_openapi
from explorer.core.query import Query
from explorer.core.secrets import Credentials
from explorer.core.settings import ApiKeySettings, AuthKind, Profile
from explorer.exporting.cli import ENV_FOR, _env_credentials, _with_scheme
from explorer.ui.main_window import MainWindow
from explorer.ui.results.export_dialog import ExportScope
from tests.auth_server import CANARIES, ISSUED_PREFIX, KEY, SCHEMES, AuthServer, serving

RECORDS = "GET /v1/records"


def scheme_profile(api: AuthServer, document: Path) -> tuple[Profile, Credentials]:
    """The profile the dialog would make for the server's scheme, and the credentials to store."""
    base = Profile("Records", api.url, catalog=str(document), page_size=10)
    if api.scheme == "key_prefixed":
        placement = ApiKeySettings("header", "Authorization", "Token ")
        return base.with_changes(auth_kind=AuthKind.API_KEY, key_placement=placement), Credentials(
            KEY
        )
    name, env = SCHEMES[api.scheme]
    profile = _with_scheme(base, import_openapi(document), name)
    all_env = {v: env.get(v) for names in ENV_FOR.values() for v in names}
    credentials = _env_credentials(profile.auth_kind, all_env)
    assert credentials is not None
    return profile, credentials


@pytest.mark.parametrize(
    "scheme", ["key_header", "key_prefixed", "key_query", "key_cookie", "bearer", "basic", "oauth2"]
)
def test_each_scheme_exports_every_record_once_from_the_window(
    qtbot, services, run, until, tmp_path, scheme
):
    with serving(AuthServer(scheme, records=35, token_uses=2)) as api:
        profile, credentials = scheme_profile(api, api.document(tmp_path))
        services.settings.upsert_profile(profile)
        services.settings.last_profile = profile.name
        services.settings_store.save(services.settings)
        run(services.secrets.set(profile.name, credentials.encode()))
        window = MainWindow(services)
        window.show()
        try:
            run(window.start())
            assert window.context is not None, window.banner.text.text()
            endpoint = window.context.catalog.find(RECORDS)
            window.open_endpoint(endpoint, Query(endpoint_id=RECORDS, page_size=10))
            tab = window.tabs.currentWidget()
            run(until(lambda: tab.model.rowCount() >= 10 and not tab.model.is_loading))
            dialog = tab.open_export_dialog(ExportScope.ALL)
            out = tmp_path / "records.csv"
            dialog.path_edit.setText(str(out))
            dialog.all_columns_button.setChecked(True)
            dialog.export_button.click()
            progress = tab._exports[-1]
            run(progress.task, timeout=60)
            with out.open(encoding="utf-8", newline="") as handle:
                ids = [row["id"] for row in csv.DictReader(handle)]
            assert ids == [str(i) for i in range(35)]
            assert not window.banner.isVisible()
            assert not tab.banner.isVisible()
            if scheme == "oauth2":
                assert api.token_requests >= 3  # renewed during the export, invisibly
            logged = json.dumps([e.__dict__ for e in services.request_log.entries()], default=str)
        finally:
            run(window.shutdown())
            window.close()
            window.deleteLater()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    texts = [logged] + [p.read_text("utf-8", "replace") for p in files]
    for text in texts:
        for canary in (*CANARIES, ISSUED_PREFIX):
            assert canary not in text
