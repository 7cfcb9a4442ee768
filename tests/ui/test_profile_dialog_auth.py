"""Profile dialog and authentication: the document's schemes, every scheme's fields, secrets kept
in one keychain entry, Test connection against loopback APIs (logged), and a dialog that keeps its
size and says nothing in red before the user has done anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from explorer.core.requestlog import RequestLog
from explorer.core.secrets import Credentials
from explorer.core.settings import ApiKeySettings, AuthKind, Profile
from explorer.ui.profile_dialog import ProfileDialog
from tests.auth_server import (
    CANARIES,
    CLIENT_ID,
    CLIENT_SECRET,
    KEY,
    PASSWORD,
    USERNAME,
    AuthServer,
    serving,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "openapi"
SHARED = Path("/work/shared/testdata/openapi")


@pytest.fixture
def make_dialog(qtbot, services):
    def factory(
        profile: Profile | None = None, preset: str | None = None, **kwargs
    ) -> ProfileDialog:
        dialog = ProfileDialog(
            services.settings_store,
            services.settings,
            services.secrets,
            profile,
            preset=preset,
            **kwargs,
        )
        qtbot.addWidget(dialog)
        return dialog

    return factory


def save_button(dialog: ProfileDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def read_document(dialog: ProfileDialog, run, path: Path) -> None:
    dialog.catalog_kind.setCurrentIndex(dialog.catalog_kind.findData("__openapi_file__"))
    dialog.catalog_source.setText(str(path))
    run(dialog.check_catalog(dialog.catalog_value()))


@pytest.mark.parametrize(
    ("path", "kind", "shown"),
    [
        (
            DATA / "scalepad-style.yaml",
            AuthKind.API_KEY,
            "apiKey: API key in the header 'x-api-key'",
        ),
        (SHARED / "v3.1-non-oauth-scopes.json", AuthKind.BEARER, "bearerAuth: bearer token"),
        (DATA / "petstore.yaml", AuthKind.NONE, ""),
        (SHARED / "uspto.yaml", AuthKind.NONE, ""),
        (DATA / "multi-auth.yaml", AuthKind.API_KEY, "keyHeader: API key in the header"),
    ],
)
def test_check_preselects_the_scheme_the_document_requires(make_dialog, run, path, kind, shown):
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    dialog = make_dialog(preset="openapi")
    read_document(dialog, run, path)
    assert dialog.auth_kind_value() is kind
    assert dialog.form.isRowVisible(dialog.doc_scheme) is bool(shown)
    if shown:
        assert dialog.doc_scheme.currentText().startswith(shown)
    if kind is AuthKind.NONE:
        assert save_button(dialog).isEnabled(), dialog.problem.text()  # nothing blocks Save
    if kind is AuthKind.API_KEY:
        assert dialog.form.isRowVisible(dialog._key_row)


def test_a_document_with_several_schemes_offers_each_and_fills_its_fields(make_dialog, run):
    dialog = make_dialog(preset="openapi")
    read_document(dialog, run, DATA / "multi-auth.yaml")
    names = [dialog.doc_scheme.itemData(i) for i in range(dialog.doc_scheme.count())]
    assert names[:6] == [
        "keyHeader",
        "keyQuery",
        "keyCookie",
        "bearerAuth",
        "basicAuth",
        "clientCredentials",
    ]
    assert "security schemes: choose one" in dialog.catalog_status.text()
    assert dialog.name_edit.text() == "Multi Auth Records API"

    dialog.doc_scheme.setCurrentIndex(names.index("keyQuery"))
    assert dialog.profile().key_placement == ApiKeySettings("query", "access_key")
    assert dialog.profile().scheme_name == "keyQuery"

    dialog.doc_scheme.setCurrentIndex(names.index("basicAuth"))
    assert dialog.auth_kind_value() is AuthKind.BASIC
    assert dialog.identity_label.text() == "Username"
    assert dialog.secret_label.text() == "Password"
    assert "Enter the username" in dialog.problem.text()

    dialog.doc_scheme.setCurrentIndex(names.index("clientCredentials"))
    assert dialog.auth_kind_value() is AuthKind.OAUTH2
    assert dialog.token_url.text().endswith("/api/oauth/token")
    assert dialog.scopes.text() == "records.read"
    assert dialog.identity_label.text() == "Client id"
    assert dialog.secret_label.text() == "Client secret"

    dialog.doc_scheme.setCurrentIndex(names.index("browserLogin"))  # needs a browser
    assert dialog.auth_kind_value() is AuthKind.BEARER
    assert "browser" in dialog.scheme_note.text()
    assert dialog.form.isRowVisible(dialog.scheme_note)

    dialog.auth_kind.setCurrentIndex(dialog.auth_kind.findData(AuthKind.BASIC))  # by hand
    assert dialog.doc_scheme.currentData() == "__by_hand__"
    assert dialog.profile().scheme_name == ""


def test_basic_saves_username_and_password_in_one_keychain_entry(
    make_dialog, services, memory_keyring, run, tmp_path
):
    dialog = make_dialog(preset="openapi")
    read_document(dialog, run, DATA / "multi-auth.yaml")
    dialog.doc_scheme.setCurrentIndex(dialog.doc_scheme.findData("basicAuth"))
    dialog.username.setText(USERNAME)
    dialog.secret_edit.setText(PASSWORD)
    saved = run(dialog.save())
    assert saved is not None
    assert saved.auth_kind is AuthKind.BASIC
    assert saved.scheme_name == "basicAuth"
    entry = run(services.secrets.get(saved.name))
    assert Credentials.decode(entry) == Credentials(PASSWORD, USERNAME)
    text = services.settings_store.path.read_text(encoding="utf-8")
    assert USERNAME not in text
    assert PASSWORD not in text

    # editing: an empty secret keeps the saved one, a new username replaces only the username
    again = make_dialog(saved)
    assert again.presets_row.isHidden()  # Edit profile offers no presets
    assert save_button(again).isEnabled()
    again.username.setText("CANARY-user-new")
    run(again.save())
    assert Credentials.decode(run(services.secrets.get(saved.name))) == Credentials(
        PASSWORD, "CANARY-user-new"
    )


def test_an_untouched_new_form_is_not_red_and_the_dialog_keeps_its_size(make_dialog, qtbot):
    dialog = make_dialog(preset="openapi")
    dialog.show()
    qtbot.waitExposed(dialog)
    size = dialog.size()
    assert dialog.problem.text()  # what is missing is said…
    assert dialog.problem.property("role") == "hint"  # …but not in red
    assert not save_button(dialog).isEnabled()
    assert save_button(dialog).toolTip() == dialog.problem.text()
    qtbot.keyClicks(dialog.name_edit, "x")
    assert dialog.problem.property("role") == "error"
    for kind in (AuthKind.OAUTH2, AuthKind.JWT, AuthKind.BASIC, AuthKind.NONE, AuthKind.API_KEY):
        dialog.auth_kind.setCurrentIndex(dialog.auth_kind.findData(kind))
        dialog.verify_tls.setChecked(kind is not AuthKind.BASIC)
        qtbot.wait(0)
        assert dialog.size() == size


def test_edit_profile_offers_no_presets(make_dialog, sandbox_profile):
    assert make_dialog(sandbox_profile).presets_row.isHidden()
    assert not make_dialog().presets_row.isHidden()


def test_the_catalog_source_keeps_a_usable_width(make_dialog, qtbot):
    dialog = make_dialog(preset="openapi")
    dialog.catalog_kind.setCurrentIndex(dialog.catalog_kind.findData("__openapi_file__"))
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.catalog_source.width() >= 240


def test_test_connection_requests_appear_in_the_request_log(make_dialog, sandbox, run):
    log = RequestLog()
    dialog = make_dialog(request_log=log)
    dialog.name_edit.setText("Local")
    dialog.base_url.setCurrentText(sandbox.url)
    dialog.secret_edit.setText(sandbox.api_key)
    result = run(dialog.run_test(dialog.profile()))
    assert result.ok, result.message
    urls = [entry.url for entry in log.entries()]
    assert any(url.startswith(sandbox.url + "/core/v1/") for url in urls)
    assert sandbox.api_key not in json.dumps([e.__dict__ for e in log.entries()], default=str)


@pytest.mark.parametrize(
    ("scheme", "doc_name"),
    [
        ("key_query", "keyQuery"),
        ("key_cookie", "keyCookie"),
        ("bearer", "bearerAuth"),
        ("basic", "basicAuth"),
        ("oauth2", "clientCredentials"),
    ],
)
def test_test_connection_with_each_scheme(make_dialog, run, tmp_path, scheme, doc_name):
    typed = {
        "key_query": ("", KEY),
        "key_cookie": ("", KEY),
        "bearer": ("", "CANARY-token-4e5f6a7b"),
        "basic": (USERNAME, PASSWORD),
        "oauth2": (CLIENT_ID, CLIENT_SECRET),
    }[scheme]
    with serving(AuthServer(scheme)) as api:
        log = RequestLog()
        dialog = make_dialog(preset="openapi", request_log=log)
        read_document(dialog, run, api.document(tmp_path))
        dialog.doc_scheme.setCurrentIndex(dialog.doc_scheme.findData(doc_name))
        dialog.username.setText(typed[0])
        dialog.secret_edit.setText(typed[1])
        result = run(dialog.run_test(dialog.profile()))
        assert result.ok, result.message
        assert "GET /v1/records" in result.message
        dialog.secret_edit.setText("CANARY-wrong-0000")
        result = run(dialog.run_test(dialog.profile()))
        assert not result.ok
        assert "ScalePad" not in result.message
        dumped = json.dumps([e.__dict__ for e in log.entries()], default=str)
        dumped += result.message + result.details
        for canary in (*CANARIES, "CANARY-wrong-0000"):
            assert canary not in dumped
