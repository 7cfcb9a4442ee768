"""Profile dialog: presets, validation, the secret kept out of the settings, Test connection."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QPushButton

from explorer.core.settings import AuthKind, Profile
from explorer.ui.profile_dialog import ProfileDialog, clean_secret, key_format_hint

DOCS_KEY = "c4d67eca-3b32ed26-b2412e47-2f634617-7e91a0f4-5c8d2b67-e3a19f0b-46d7c582"
CANARY = "canary-secret-4f1d9c"


@pytest.fixture
def make_dialog(qtbot, services):
    def factory(profile: Profile | None = None, preset: str | None = None) -> ProfileDialog:
        dialog = ProfileDialog(
            services.settings_store, services.settings, services.secrets, profile, preset=preset
        )
        qtbot.addWidget(dialog)
        return dialog

    return factory


def save_button(dialog: ProfileDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_new_scalepad_profile_starts_from_the_preset(make_dialog):
    dialog = make_dialog()
    assert dialog.name_edit.text() == "ScalePad"
    assert dialog.base_url.currentText() == "https://api.scalepad.com"
    hosts = [dialog.base_url.itemText(i) for i in range(dialog.base_url.count())]
    assert "https://eu.api.scalepad.com" in hosts
    assert dialog.auth_kind_value() is AuthKind.API_KEY
    assert dialog.catalog_value() == "scalepad"
    assert dialog.rate_limit.value() == 50
    assert dialog.page_size.value() == 200
    assert not dialog.form.isRowVisible(dialog.jwt_box)
    assert not dialog.form.isRowVisible(dialog.username)
    assert not save_button(dialog).isEnabled()
    assert dialog.problem.text() == "Enter the API key."
    assert dialog.problem.property("role") == "hint"  # said, but not in red before any typing


def test_key_field_is_masked_paste_friendly_and_only_hints_at_the_format(make_dialog, qtbot):
    dialog = make_dialog()
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Password
    dialog.show_secret_box.setChecked(True)
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Normal
    dialog.show_secret_box.setChecked(False)
    assert dialog.secret_edit.echoMode() == QLineEdit.EchoMode.Password

    dialog.secret_edit.setText(f"  {DOCS_KEY}\n")  # pasted with a space and a line break
    assert dialog.secret_edit.text() == DOCS_KEY
    assert not dialog.form.isRowVisible(dialog.secret_hint)
    assert save_button(dialog).isEnabled()

    dialog.secret_edit.setText("short-key")
    assert "documented ScalePad key format" in dialog.secret_hint.text()
    assert dialog.form.isRowVisible(dialog.secret_hint)
    assert save_button(dialog).isEnabled()  # a hint, not a block


def test_clean_secret_and_format_hint():
    assert clean_secret(" ab\tc \r\n") == "abc"
    assert key_format_hint(DOCS_KEY, "scalepad") == ""
    assert key_format_hint("x" * 52, "scalepad") != ""
    assert key_format_hint("anything", "scout") == ""


def test_scout_preset_asks_for_username_and_fills_the_jwt_settings(make_dialog):
    dialog = make_dialog(preset="scout")
    assert dialog.auth_kind_value() is AuthKind.JWT
    assert not dialog.form.isRowVisible(dialog.jwt_box)  # folded under "Advanced"
    dialog.jwt_advanced.setChecked(True)
    assert dialog.form.isRowVisible(dialog.jwt_box)
    assert dialog.form.isRowVisible(dialog.username)
    assert dialog.secret_label.text() == "Password"
    dialog.base_url.setCurrentText("https://scout.example.com")
    dialog.secret_edit.setText("pw")
    assert "username" in dialog.problem.text()
    dialog.username.setText("hq.api")
    assert save_button(dialog).isEnabled()
    dialog.login_path.setText("/api/login")
    buttons = dialog.jwt_box.findChildren(QPushButton)
    scout_button = next(b for b in buttons if b.text() == "Scout preset")
    scout_button.click()
    assert dialog.login_path.text() == "/v1/Token"
    profile = dialog.profile()
    assert profile.username == "hq.api"
    assert profile.jwt.renew_path == "/v1/Token/Renew"


def test_turning_tls_verification_off_warns(make_dialog):
    dialog = make_dialog()
    assert not dialog.form.isRowVisible(dialog.tls_warning)
    dialog.verify_tls.setChecked(False)
    assert dialog.form.isRowVisible(dialog.tls_warning)
    assert "Certificate verification is off" in dialog.tls_warning.text()


def test_bad_base_url_and_duplicate_name_are_refused(make_dialog, sandbox_profile):
    dialog = make_dialog()
    dialog.secret_edit.setText(DOCS_KEY)
    dialog.base_url.setCurrentText("api.scalepad.com")
    assert "http:// or https://" in dialog.problem.text()
    assert not save_button(dialog).isEnabled()
    dialog.base_url.setCurrentText("https://api.scalepad.com")
    dialog.name_edit.setText(sandbox_profile.name)
    assert "exists already" in dialog.problem.text()
    assert not save_button(dialog).isEnabled()


def test_save_keeps_the_secret_in_the_keyring_never_in_the_settings_file(
    make_dialog, services, memory_keyring, run, qtbot
):
    dialog = make_dialog()
    assert "system keychain" in dialog.where_secret.text()
    dialog.name_edit.setText("Production")
    dialog.secret_edit.setText(CANARY)
    with qtbot.waitSignal(dialog.profile_saved) as saved:
        run(dialog.save())
    assert saved.args[0].name == "Production"
    assert dialog.result() == ProfileDialog.DialogCode.Accepted
    assert CANARY in memory_keyring.entries.values()
    text = services.settings_store.path.read_text(encoding="utf-8")
    assert CANARY not in text
    stored = json.loads(text)
    assert [p["name"] for p in stored["profiles"]] == ["Production"]
    assert stored["last_profile"] == "Production"
    assert run(services.secrets.get("Production")) == CANARY


def test_renaming_moves_the_saved_secret(make_dialog, services, sandbox_profile, sandbox, run):
    dialog = make_dialog(sandbox_profile)
    assert dialog.secret_edit.placeholderText().startswith("saved")
    assert save_button(dialog).isEnabled()  # the secret field may stay empty when editing
    dialog.name_edit.setText("Sandbox renamed")
    run(dialog.save())
    assert services.settings.profile("Sandbox") is None
    assert services.settings.profile("Sandbox renamed") is not None
    assert run(services.secrets.get("Sandbox renamed")) == sandbox.api_key
    assert run(services.secrets.get("Sandbox")) is None


def sandbox_dialog(make_dialog, sandbox, key: str) -> ProfileDialog:
    dialog = make_dialog()
    dialog.name_edit.setText("Local")
    dialog.base_url.setCurrentText(sandbox.url)
    dialog.secret_edit.setText(key)
    return dialog


def test_test_connection_reports_success_in_plain_words(make_dialog, sandbox, run, until):
    dialog = sandbox_dialog(make_dialog, sandbox, sandbox.api_key)
    dialog.test_button.click()
    text = run(until(lambda: dialog.test_result.text() != "Trying…" and dialog.test_result.text()))
    assert text.startswith("Connected. GET /core/v1/")
    assert " answered in " in text
    assert "records in total" in text
    assert dialog.test_result.property("role") == "ok"


def test_test_connection_explains_a_rejected_key(make_dialog, sandbox, run):
    dialog = sandbox_dialog(make_dialog, sandbox, "0" * 8 + "-00000000" * 7)
    result = run(dialog.run_test(dialog.profile()))
    assert not result.ok
    assert "API key in the header 'x-api-key', 401" in dialog.test_result.text()
    assert "ScalePad keys stop working" in dialog.test_result.text()  # a ScalePad catalog
    assert dialog.test_result.property("role") == "error"


def test_test_connection_signs_in_to_scout(make_dialog, sandbox, run):
    dialog = make_dialog(preset="scout")
    dialog.base_url.setCurrentText(sandbox.url)
    dialog.username.setText(sandbox.scout_username)
    dialog.secret_edit.setText(sandbox.scout_password)
    result = run(dialog.run_test(dialog.profile()))
    assert result.ok, result.message
    assert "GET /v1/" in result.message

    dialog.secret_edit.setText("wrong-password")
    result = run(dialog.run_test(dialog.profile()))
    assert not result.ok
    assert "password" in result.message.lower() or "401" in result.message


OPENAPI_DOC = {
    "openapi": "3.0.3",
    "info": {"title": "Inventory API", "version": "1"},
    "servers": [{"url": "https://inventory.example.com/api"}],
    "paths": {
        "/things": {
            "get": {
                "summary": "List things",
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/things/{id}": {
            "get": {
                "summary": "Get a thing",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


def test_openapi_document_is_read_and_gives_the_base_url(make_dialog, run, tmp_path):
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(OPENAPI_DOC), encoding="utf-8")
    dialog = make_dialog(preset="openapi")
    assert dialog.catalog_source.isVisibleTo(dialog)
    assert dialog.base_url.currentText() == ""
    assert dialog.problem.text().startswith("Enter the base URL")
    assert "Check the document" in dialog.problem.text()
    dialog.catalog_kind.setCurrentIndex(dialog.catalog_kind.findData("__openapi_file__"))
    dialog.catalog_source.setText(str(path))
    run(dialog.check_catalog(dialog.catalog_value()))
    assert dialog.catalog_status.text().startswith("Inventory API: 2 endpoints.")
    assert dialog.base_url.currentText() == "https://inventory.example.com/api"
    assert dialog.profile().catalog == str(path)
    # the document declares no authentication: so does the profile, and Save is not blocked
    assert dialog.auth_kind_value() is AuthKind.NONE
    assert "declares no authentication" in dialog.catalog_status.text()
    assert dialog.name_edit.text() == "Inventory API"  # the document's title
    assert save_button(dialog).isEnabled()


def test_a_broken_document_is_explained(make_dialog, run, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("openapi: [this is not", encoding="utf-8")
    dialog = make_dialog(preset="openapi")
    dialog.catalog_kind.setCurrentIndex(dialog.catalog_kind.findData("__openapi_file__"))
    dialog.catalog_source.setText(str(path))
    run(dialog.check_catalog(dialog.catalog_value()))
    text = dialog.catalog_status.text()
    assert text
    assert "Traceback" not in text
    assert dialog.form.isRowVisible(dialog.catalog_status)


def test_delete_asks_twice_then_removes_profile_and_secret(
    make_dialog, services, sandbox_profile, run, qtbot
):
    dialog = make_dialog(sandbox_profile)
    assert not dialog.delete_button.isHidden()
    assert make_dialog().delete_button.isHidden()  # nothing to delete in a new profile
    dialog.delete_button.click()
    assert services.settings.profile("Sandbox") is not None  # the first click only arms it
    assert dialog.delete_button.text() == "Click again to delete"
    with qtbot.waitSignal(dialog.profile_deleted) as deleted:
        dialog.delete_button.click()
        run(_until_done(dialog))
    assert deleted.args == ["Sandbox"]
    assert services.settings.profile("Sandbox") is None
    assert run(services.secrets.get("Sandbox")) is None
    stored = json.loads(services.settings_store.path.read_text(encoding="utf-8"))
    assert stored["profiles"] == []


async def _until_done(dialog):
    import asyncio

    for _ in range(300):
        if dialog.result() == ProfileDialog.DialogCode.Accepted:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the dialog did not finish")


def test_editing_a_profile_keeps_the_limits_the_form_does_not_show(make_dialog, sandbox_profile):
    limited = sandbox_profile.with_changes(max_response_mb=7, request_timeout_s=9.5)
    dialog = make_dialog(limited)
    dialog.page_size.setValue(50)
    edited = dialog.profile()
    assert (edited.max_response_mb, edited.request_timeout_s) == (7, 9.5)
    assert edited.page_size == 50
