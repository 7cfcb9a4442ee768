"""Create or edit a connection profile, its secret, and try it with one cheap request.

The profile goes into the settings file; the API key, token, password or client secret (with the
basic username or OAuth2 client id) goes into the secret store (system keychain, or this session
only) and never into the settings. The dialog says which. For an OpenAPI document, Check reads its
security schemes, offers them as a choice and preselects the one it requires.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.core import catalogs
from explorer.core.auth import (
    IDENTITY_NAMES,
    SECRET_NAMES,
    STORED_IDENTITY,
    scheme_label,
    scheme_settings,
)
from explorer.core.catalog import Catalog, SecurityScheme
from explorer.core.errors import ConfigError, ExplorerError
from explorer.core.ratelimit import Governors
from explorer.core.requestlog import RequestLog
from explorer.core.secrets import Credentials
from explorer.core.session import probe_connection
from explorer.core.settings import (
    ApiKeySettings,
    AuthKind,
    JwtSettings,
    OAuth2Settings,
    Profile,
    Settings,
    SettingsStore,
)
from explorer.ui import theme
from explorer.ui.async_utils import describe_error, error_details, spawn

log = logging.getLogger(__name__)

#: ScalePad documents API keys as 8 groups of 8 hex digits; real keys vary, so this only hints.
SCALEPAD_KEY_FORMAT = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{8}){7}$")
REGION_NAMES = dict(
    zip(
        catalogs.SCALEPAD_HOSTS,  # US, EU, Canada, Australia
        (
            "ScalePad US: Core, Lifecycle Manager, Quoter and the rest",
            "ScalePad EU: ControlMap, Backup Radar",
            "ScalePad Canada: ControlMap",
            "ScalePad Australia / Asia-Pacific: ControlMap",
        ),
        strict=True,
    )
)
#: Catalog choices: label -> profile.catalog value (bundled names, merged names, official URLs).
CATALOG_CHOICES: tuple[tuple[str, str], ...] = (
    ("ScalePad (bundled)", "scalepad"),
    ("Scout (bundled)", "scout"),
    ("Demo: ScalePad + Scout + sandbox extras", catalogs.PRESETS["sandbox"].catalog),
    *catalogs.OFFICIAL_DOCUMENTS.items(),
)
_OPENAPI_FILE = "__openapi_file__"
_OPENAPI_URL = "__openapi_url__"
#: The schemes in the Authentication list, in the order offered.
AUTH_CHOICES: tuple[tuple[str, AuthKind], ...] = (
    ("API key (header, query parameter or cookie)", AuthKind.API_KEY),
    ("Bearer token", AuthKind.BEARER),
    ("HTTP basic (username and password)", AuthKind.BASIC),
    ("OAuth2 client credentials", AuthKind.OAUTH2),
    ("Username and password login (JWT)", AuthKind.JWT),
    ("No authentication", AuthKind.NONE),
)
_CHOSEN_BY_HAND = "__by_hand__"


def clean_secret(text: str) -> str:
    """A pasted key or password without the spaces and line breaks copying tends to add."""
    return "".join(text.split())


def key_format_hint(key: str, catalog: str) -> str:
    """A gentle note when a ScalePad key does not look like the documented format ("" if fine)."""
    if not key or catalog != "scalepad" or SCALEPAD_KEY_FORMAT.match(key):
        return ""
    return (
        "This does not look like the documented ScalePad key format (8 groups of 8 letters and "
        "digits, joined by hyphens). It will be tried as typed; check it was copied completely."
    )


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str
    details: str = ""


async def load_catalog(source: str) -> Catalog:
    """A catalog the user names in the dialog (bundled, merged, OpenAPI file or URL), off the loop."""
    return await catalogs.load_catalog(source)


async def try_connection(
    profile: Profile,
    secret: str | None,
    *,
    governors: Governors,
    request_log: RequestLog | None = None,
) -> ConnectionResult:
    """The core's probe, said in plain words: the endpoint, the time and the total, or the error."""
    try:
        result = await probe_connection(
            profile, secret, governors=governors, request_log=request_log
        )
    except ExplorerError as exc:
        return ConnectionResult(False, describe_error(exc), error_details(exc))
    return ConnectionResult(result.ok, result.message)


class ProfileDialog(QDialog):
    """Edit one profile. On Save: the secret to the secret store, the profile to the settings.

    Signals:
        profile_saved(Profile): after both were stored.
        profile_deleted(str): the profile (and its secret) was deleted; the name.
    """

    profile_saved = Signal(object)
    profile_deleted = Signal(str)

    def __init__(
        self,
        settings_store: SettingsStore,
        settings: Settings,
        secrets: Any,
        profile: Profile | None = None,
        parent: QWidget | None = None,
        *,
        preset: str | None = None,
        governors: Governors | None = None,
        request_log: RequestLog | None = None,
    ) -> None:
        super().__init__(parent)
        # Test connection's requests share the profile's budget and show in the request log.
        self.governors = governors if governors is not None else Governors()
        self.request_log = request_log
        self.settings_store = settings_store
        self.settings = settings
        self.secrets = secrets
        self.original = profile
        self._busy = False
        self._touched = False  # problems are said in red only once the user has done something
        self._auto_name = ""  # a name the dialog chose (a preset's, a document's title)
        self._schemes: tuple[SecurityScheme, ...] = ()
        self._test_task: asyncio.Task[Any] | None = None
        self.setWindowTitle("Edit profile" if profile else "New profile")
        self._build()
        if profile is not None:
            self._load(profile)
        else:
            self.apply_preset(preset or "scalepad")
        self._update_auth_fields()
        self._validate()
        self._size_once()

    # ------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setSpacing(10)
        self.presets_row = QWidget(self)
        presets = QHBoxLayout(self.presets_row)
        presets.setContentsMargins(0, 0, 0, 0)
        presets.addWidget(QLabel("Start from:", self))
        for label, key in (
            ("ScalePad", "scalepad"),
            ("Scout", "scout"),
            ("OpenAPI document", "openapi"),
        ):
            button = QPushButton(label, self)
            button.setObjectName(f"preset_{key}")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, k=key: self.apply_preset(k))
            presets.addWidget(button)
        presets.addStretch(1)
        outer.addWidget(self.presets_row)
        self.presets_row.setVisible(self.original is None)  # an existing profile keeps its kind
        self.preset_note = _hint_label(self)
        self.preset_note.setVisible(self.original is None)
        outer.addWidget(self.preset_note)

        # The fields scroll inside a fixed-size dialog: rows and hints that come and go never
        # resize the window, and a small screen still reaches every field.
        body = QWidget(self)
        form = QFormLayout(body)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form = form
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("e.g. ScalePad production")
        form.addRow("Name", self.name_edit)
        self.base_url = QComboBox(self)
        self.base_url.setEditable(True)
        self.base_url.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for host, label in REGION_NAMES.items():
            self.base_url.addItem(host)
            self.base_url.setItemData(self.base_url.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
        url_edit = self.base_url.lineEdit()
        if url_edit is not None:
            url_edit.setPlaceholderText("https://api.example.com")
        form.addRow("Base URL", self.base_url)

        self.catalog_kind = QComboBox(self)
        for label, value in CATALOG_CHOICES:
            self.catalog_kind.addItem(label, value)
        self.catalog_kind.addItem("OpenAPI document (file)", _OPENAPI_FILE)
        self.catalog_kind.addItem("OpenAPI document (URL)", _OPENAPI_URL)
        # Long official-document URLs must not make the list as wide as the dialog.
        self.catalog_kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.catalog_kind.setMinimumContentsLength(28)
        form.addRow("Catalog", self.catalog_kind)
        source_row = QHBoxLayout()
        self.catalog_source = QLineEdit(self)
        self.catalog_source.setPlaceholderText("path or https:// URL of an OpenAPI 3 document")
        self.catalog_source.setMinimumWidth(240)
        self.catalog_browse = QPushButton("Browse…", self)
        self.catalog_browse.setAutoDefault(False)
        self.catalog_browse.clicked.connect(self._browse_catalog)
        self.catalog_check = QPushButton("Check", self)
        self.catalog_check.setAutoDefault(False)
        self.catalog_check.setToolTip(
            "Read the document now: its endpoints, base URL and authentication"
        )
        self.catalog_check.clicked.connect(self._check_catalog)
        source_row.addWidget(self.catalog_source, 1)
        source_row.addWidget(self.catalog_browse)
        source_row.addWidget(self.catalog_check)
        self._source_row = source_row
        form.addRow("Document", source_row)
        self.catalog_status = _hint_label(self)
        form.addRow("", self.catalog_status)

        self.doc_scheme = QComboBox(self)
        self.doc_scheme.setToolTip("The security schemes the document declares")
        form.addRow("Document asks for", self.doc_scheme)
        self.auth_kind = QComboBox(self)
        for label, kind in AUTH_CHOICES:
            self.auth_kind.addItem(label, kind)
        form.addRow("Authentication", self.auth_kind)
        self.scheme_note = _hint_label(self)
        form.addRow("", self.scheme_note)

        key_row = QHBoxLayout()
        self.key_location = QComboBox(self)
        for label, value in (
            ("header", "header"),
            ("query parameter", "query"),
            ("cookie", "cookie"),
        ):
            self.key_location.addItem(label, value)
        self.key_name = QLineEdit(self)
        self.key_name.setPlaceholderText("name, e.g. x-api-key")
        self.key_prefix = QLineEdit(self)
        self.key_prefix.setPlaceholderText("prefix (optional), e.g. Token")
        key_row.addWidget(self.key_location)
        key_row.addWidget(self.key_name, 2)
        key_row.addWidget(self.key_prefix, 1)
        self._key_row = key_row
        form.addRow("Key goes in", key_row)

        self.token_url = QLineEdit(self)
        self.token_url.setPlaceholderText("https://login.example.com/oauth/token")
        form.addRow("Token URL", self.token_url)
        self.scopes = QLineEdit(self)
        self.scopes.setPlaceholderText("scopes separated by spaces (optional)")
        form.addRow("Scopes", self.scopes)
        self.client_auth = QComboBox(self)
        self.client_auth.addItem("HTTP basic to the token URL (the standard)", "basic")
        self.client_auth.addItem("In the request body (client_secret_post)", "post")
        form.addRow("Client secret sent", self.client_auth)

        self.identity_label = QLabel("Username", self)
        self.username = QLineEdit(self)
        self.username.setPlaceholderText("the API user's login name")
        form.addRow(self.identity_label, self.username)
        self.secret_label = QLabel("API key", self)
        self.secret_edit = QLineEdit(self)
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setObjectName("secret")
        self.show_secret_box = QCheckBox("Show", self)
        self.show_secret_box.setToolTip("Show the secret while you check it")
        self.show_secret_box.toggled.connect(self._toggle_secret)
        secret_row = QHBoxLayout()
        secret_row.setSpacing(6)
        secret_row.addWidget(self.secret_edit, 1)
        secret_row.addWidget(self.show_secret_box)
        form.addRow(self.secret_label, secret_row)
        self._secret_row = secret_row
        self.secret_hint = _hint_label(self)
        form.addRow("", self.secret_hint)

        # The JWT login's internals are rarely changed: folded under "Advanced".
        self.jwt_advanced = QCheckBox("Advanced login settings (paths, token field, header)", self)
        self.jwt_advanced.toggled.connect(self._update_auth_fields)
        form.addRow("", self.jwt_advanced)
        self.jwt_box = QGroupBox("JWT login", self)
        jwt_form = QFormLayout(self.jwt_box)
        self.login_path = QLineEdit(self.jwt_box)
        self.renew_path = QLineEdit(self.jwt_box)
        self.renew_path.setPlaceholderText("empty: log in again instead of renewing")
        self.token_field = QLineEdit(self.jwt_box)
        self.token_field.setPlaceholderText("empty: the whole response is the token")
        self.body_encoding = QComboBox(self.jwt_box)
        self.body_encoding.addItems(["json", "form"])
        self.header_prefix = QLineEdit(self.jwt_box)
        scout = QPushButton("Scout preset", self.jwt_box)
        scout.setAutoDefault(False)
        scout.clicked.connect(lambda: self._set_jwt(JwtSettings.scout()))
        self._jwt_extra = JwtSettings.scout()
        jwt_form.addRow("Login path", self.login_path)
        jwt_form.addRow("Renew path", self.renew_path)
        jwt_form.addRow("Token field", self.token_field)
        jwt_form.addRow("Body encoding", self.body_encoding)
        jwt_form.addRow("Header prefix", self.header_prefix)
        jwt_form.addRow("", scout)
        form.addRow(self.jwt_box)
        more = form

        rate_row = QHBoxLayout()
        self.rate_limit = QSpinBox(self)
        self.rate_limit.setRange(1, 10_000)
        self.rate_limit.setSuffix(" requests")
        self.rate_period = QDoubleSpinBox(self)
        self.rate_period.setRange(0.1, 3600)
        self.rate_period.setDecimals(1)
        self.rate_period.setSuffix(" s")
        rate_row.addWidget(self.rate_limit)
        rate_row.addWidget(QLabel("per", self))
        rate_row.addWidget(self.rate_period)
        rate_row.addStretch(1)
        more.addRow("Rate budget", rate_row)
        self.page_size = QSpinBox(self)
        self.page_size.setRange(1, 1000)
        self.page_size.setMaximumWidth(160)
        self.page_size.setSuffix(" records")
        more.addRow("Page size", self.page_size)

        tls_row = QHBoxLayout()
        self.verify_tls = QCheckBox("Verify certificates", self)
        self.ca_bundle = QLineEdit(self)
        self.ca_bundle.setPlaceholderText("system certificates (or a PEM CA bundle for a proxy)")
        ca_browse = QPushButton("CA bundle…", self)
        ca_browse.setAutoDefault(False)
        ca_browse.clicked.connect(self._browse_ca)
        tls_row.addWidget(self.verify_tls)
        tls_row.addWidget(self.ca_bundle, 1)
        tls_row.addWidget(ca_browse)
        more.addRow("TLS", tls_row)
        self.tls_warning = QLabel(self)
        self.tls_warning.setProperty("role", "warning")
        self.tls_warning.setWordWrap(True)
        more.addRow("", self.tls_warning)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.fields_area = scroll
        outer.addWidget(scroll, 1)

        self.where_secret = _hint_label(self)
        outer.addWidget(self.where_secret)

        test_row = QHBoxLayout()
        self.test_button = QPushButton("Test connection", self)
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self._start_test)
        self.test_result = QLabel(self)
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        _reserve_lines(self.test_result, 3)
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.test_result, 1)
        outer.addLayout(test_row)

        self.problem = QLabel(self)
        self.problem.setProperty("role", "hint")
        self.problem.setWordWrap(True)
        _reserve_lines(self.problem, 2)
        outer.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._start_save)
        self.buttons.rejected.connect(self.reject)
        self.delete_button = self.buttons.addButton(
            "Delete profile…", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.delete_button.setAutoDefault(False)
        self.delete_button.setVisible(self.original is not None)
        self.delete_button.clicked.connect(self._delete_clicked)
        outer.addWidget(self.buttons)

        edits = (
            self.name_edit,
            self.username,
            self.catalog_source,
            self.ca_bundle,
            self.key_name,
            self.key_prefix,
            self.token_url,
            self.scopes,
        )
        for edit in edits:
            edit.textChanged.connect(self._validate)
            edit.textEdited.connect(self._mark_touched)
        self.secret_edit.textEdited.connect(self._mark_touched)
        self.name_edit.textEdited.connect(self._forget_auto_name)
        self.base_url.currentTextChanged.connect(self._validate)
        if url_edit is not None:
            url_edit.textEdited.connect(self._mark_touched)
        self.secret_edit.textChanged.connect(self._on_secret_changed)
        self.auth_kind.currentIndexChanged.connect(self._on_auth_kind_chosen)
        self.doc_scheme.currentIndexChanged.connect(self._on_doc_scheme_chosen)
        self.key_location.currentIndexChanged.connect(self._validate)
        self.catalog_kind.currentIndexChanged.connect(self._update_catalog_fields)
        self.verify_tls.toggled.connect(self._validate)
        self._show_where_secret()
        self._set_doc_schemes(())

    def _size_once(self) -> None:
        """One size for the dialog's life, fitted to the screen: hints never make it jump."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        width, height = 720, 760
        if screen is not None:
            width = min(width, screen.width() - 40)
            height = min(height, screen.height() - 60)
        self.resize(max(560, width), max(420, height))

    # ------------------------------------------------------------ presets and loading
    def apply_preset(self, key: str) -> None:
        """Fill the form from one of catalogs.PRESETS (ScalePad, Scout, any OpenAPI document)."""
        preset = catalogs.PRESETS[key]
        if self.original is None:
            self._auto_name = self._unique_name(preset.name)
            self.name_edit.setText(self._auto_name)
        # A preset without a real host ("https://") leaves the field empty, for the user to fill.
        has_host = preset.base_url.split("://", 1)[-1].strip("/")
        self.base_url.setCurrentText(preset.base_url if has_host else "")
        self._set_doc_schemes(())
        self._set_combo(self.auth_kind, AuthKind(preset.auth_kind))
        self._set_key_placement(ApiKeySettings())
        self._set_oauth2(OAuth2Settings())
        if preset.catalog:
            self._select_catalog(preset.catalog)
        else:
            self._set_combo(self.catalog_kind, _OPENAPI_URL)
            self.catalog_source.clear()
        self._set_jwt(JwtSettings.from_dict(preset.jwt) if preset.jwt else JwtSettings.scout())
        self.rate_limit.setValue(preset.rate_limit)
        self.rate_period.setValue(preset.rate_period_s)
        self.page_size.setValue(preset.page_size)
        self.verify_tls.setChecked(True)
        self.ca_bundle.clear()
        self.preset_note.setText(preset.description)
        self._update_catalog_fields()
        self._update_auth_fields()

    def _select_catalog(self, value: str) -> None:
        index = self.catalog_kind.findData(value)
        if index < 0 and catalogs.bundled_spec(value) is not None:
            self.catalog_kind.insertItem(0, value, value)  # another mix of bundled catalogs
            index = 0
        if index >= 0:
            self.catalog_kind.setCurrentIndex(index)
            self.catalog_source.clear()
        elif value.startswith(("http://", "https://")):
            self._set_combo(self.catalog_kind, _OPENAPI_URL)
            self.catalog_source.setText(value)
        else:
            self._set_combo(self.catalog_kind, _OPENAPI_FILE)
            self.catalog_source.setText(value)

    def _load(self, p: Profile) -> None:
        self.name_edit.setText(p.name)
        self.base_url.setCurrentText(p.base_url)
        self._set_combo(self.auth_kind, p.auth_kind)
        self.username.setText(p.username or "" if p.auth_kind is AuthKind.JWT else "")
        self._select_catalog(p.catalog)
        self._set_jwt(p.jwt)
        self._set_key_placement(p.key_placement)
        self._set_oauth2(p.oauth2)
        self.rate_limit.setValue(p.rate_limit)
        self.rate_period.setValue(p.rate_period_s)
        self.page_size.setValue(p.page_size)
        self.verify_tls.setChecked(p.verify_tls)
        self.ca_bundle.setText(p.ca_bundle or "")
        self.secret_edit.setPlaceholderText("saved; leave empty to keep it")
        if p.auth_kind in STORED_IDENTITY:
            self.username.setPlaceholderText("saved; leave empty to keep it")
        self._update_catalog_fields()

    def _set_jwt(self, jwt: JwtSettings) -> None:
        self._jwt_extra = jwt
        self.login_path.setText(jwt.login_path)
        self.renew_path.setText(jwt.renew_path or "")
        self.token_field.setText(jwt.token_field)
        self.body_encoding.setCurrentText(jwt.body_encoding)
        self.header_prefix.setText(jwt.header_prefix)

    def _set_key_placement(self, placement: ApiKeySettings) -> None:
        self._set_combo(self.key_location, placement.location)
        self.key_name.setText(placement.name)
        self.key_prefix.setText(placement.prefix)

    def _set_oauth2(self, oauth2: OAuth2Settings) -> None:
        self.token_url.setText(oauth2.token_url)
        self.scopes.setText(" ".join(oauth2.scopes))
        self._set_combo(self.client_auth, oauth2.client_auth)

    def _unique_name(self, base: str) -> str:
        names = {p.name for p in self.settings.profiles}
        name, n = base, 2
        while name in names:
            name, n = f"{base} {n}", n + 1
        return name

    @staticmethod
    def _set_combo(combo: QComboBox, data: Any) -> None:
        index = combo.findData(data)
        if index >= 0:
            combo.setCurrentIndex(index)

    # ------------------------------------------------------------ the document's schemes
    def _set_doc_schemes(
        self, schemes: tuple[SecurityScheme, ...], chosen: str | None = None
    ) -> None:
        """Offer the document's schemes; select `chosen` (a scheme name, "" for none)."""
        self._schemes = schemes
        self.doc_scheme.blockSignals(True)
        self.doc_scheme.clear()
        for scheme in schemes:
            self.doc_scheme.addItem(scheme.summary, scheme.name)
        if schemes:
            self.doc_scheme.addItem("No authentication", "")
            self.doc_scheme.addItem("Set by hand below", _CHOSEN_BY_HAND)
            self._set_combo(self.doc_scheme, _CHOSEN_BY_HAND if chosen is None else chosen)
        self.doc_scheme.blockSignals(False)
        self._show_scheme_note()

    def _chosen_scheme(self) -> SecurityScheme | None:
        name = self.doc_scheme.currentData()
        return next((s for s in self._schemes if s.name == name), None)

    def _on_doc_scheme_chosen(self) -> None:
        data = self.doc_scheme.currentData()
        scheme = self._chosen_scheme()
        self.auth_kind.blockSignals(True)
        if data == "":
            self._set_combo(self.auth_kind, AuthKind.NONE)
        elif scheme is not None and scheme.kind:
            changes = scheme_settings(scheme)
            self._set_combo(self.auth_kind, changes["auth_kind"])
            if "key_placement" in changes:
                self._set_key_placement(changes["key_placement"])
            if "oauth2" in changes:
                self._set_oauth2(changes["oauth2"])
        self.auth_kind.blockSignals(False)
        self._update_auth_fields()

    def _on_auth_kind_chosen(self) -> None:
        scheme = self._chosen_scheme()
        chosen = self.auth_kind_value()
        if self._schemes and (scheme is None or scheme.kind != chosen.value):
            follows_none = chosen is AuthKind.NONE
            self.doc_scheme.blockSignals(True)
            self._set_combo(self.doc_scheme, "" if follows_none else _CHOSEN_BY_HAND)
            self.doc_scheme.blockSignals(False)
        self._update_auth_fields()

    def _show_scheme_note(self) -> None:
        scheme = self._chosen_scheme()
        note = scheme.note if scheme is not None else ""
        if scheme is not None and scheme.description and not note:
            note = scheme.description
        self.scheme_note.setText(note)
        self._show_row(self.scheme_note, bool(note))
        self._show_row(self.doc_scheme, bool(self._schemes))

    # ------------------------------------------------------------ reading the form
    def catalog_value(self) -> str:
        kind = self.catalog_kind.currentData()
        if kind in (_OPENAPI_FILE, _OPENAPI_URL):
            return self.catalog_source.text().strip()
        return str(kind)

    def _base_url_value(self) -> str:
        url = self.base_url.currentText().strip()
        scheme, sep, rest = url.partition("://")
        return f"{scheme}{sep}{rest.rstrip('/')}" if sep else url

    def auth_kind_value(self) -> AuthKind:
        return AuthKind(self.auth_kind.currentData())  # Qt hands the enum back as a plain str

    def secret(self) -> str:
        return clean_secret(self.secret_edit.text())

    def identity(self) -> str:
        return self.username.text().strip()

    def credentials(self) -> Credentials | None:
        """What the user typed for the scheme's secret store entry (None: nothing typed)."""
        kind = self.auth_kind_value()
        secret = self.secret()
        if not secret:
            return None
        return Credentials(secret, self.identity() or None if kind in STORED_IDENTITY else None)

    def _scheme_name(self, kind: AuthKind) -> str:
        scheme = self._chosen_scheme()
        if scheme is not None and scheme.kind == kind.value:
            return scheme.name
        if not self._schemes and self.original is not None and self.original.auth_kind is kind:
            return self.original.scheme_name  # the document was not read again
        return ""

    def profile(self) -> Profile:
        """The profile the form describes; raises ConfigError with what to fix."""
        kind = self.auth_kind_value()
        jwt = JwtSettings(
            **{
                **self._jwt_extra.to_dict(),
                "extra_login_fields": self._jwt_extra.extra_login_fields,
                "login_path": self.login_path.text().strip() or "/",
                "renew_path": self.renew_path.text().strip() or None,
                "token_field": self.token_field.text().strip(),
                "body_encoding": self.body_encoding.currentText(),
                "header_prefix": self.header_prefix.text(),
            }
        )
        placement = ApiKeySettings(
            str(self.key_location.currentData()),
            self.key_name.text().strip(),
            self.key_prefix.text(),
        )
        oauth2 = OAuth2Settings(
            self.token_url.text().strip(),
            tuple(self.scopes.text().split()),
            str(self.client_auth.currentData()),
        )
        return Profile(
            name=self.name_edit.text().strip(),
            base_url=self._base_url_value(),
            auth_kind=kind,
            catalog=self.catalog_value(),
            username=self.identity() or None if kind is AuthKind.JWT else None,
            rate_limit=self.rate_limit.value(),
            rate_period_s=self.rate_period.value(),
            page_size=self.page_size.value(),
            ca_bundle=self.ca_bundle.text().strip() or None,
            verify_tls=self.verify_tls.isChecked(),
            jwt=jwt,
            key_placement=placement if kind is AuthKind.API_KEY else ApiKeySettings(),
            oauth2=oauth2 if kind is AuthKind.OAUTH2 else OAuth2Settings(),
            scheme_name=self._scheme_name(kind),
            **self._limits_kept(),
        )

    def _limits_kept(self) -> dict[str, Any]:
        """Limits the form does not show (set in settings.json): an edit keeps them."""
        if self.original is None:
            return {}
        return {
            "max_response_mb": self.original.max_response_mb,
            "request_timeout_s": self.original.request_timeout_s,
        }

    def problems(self) -> list[str]:
        if not self._base_url_value().split("://", 1)[-1]:
            hint = " or Check the document to take it from there" if self._openapi_chosen() else ""
            return [f"Enter the base URL (for example https://api.example.com){hint}."]
        try:
            profile = self.profile()
        except ConfigError as exc:
            return [exc.explanation]
        found = []
        if not profile.catalog:
            found.append("Choose the OpenAPI document (a file or a URL).")
        clash = self.settings.profile(profile.name)
        if clash is not None and (self.original is None or self.original.name != profile.name):
            found.append(f"A profile named {profile.name!r} exists already; choose another name.")
        kind = profile.auth_kind
        # A saved secret serves only the scheme it was saved for.
        kept = self.original is not None and self.original.auth_kind is kind
        if kind in STORED_IDENTITY and not self.identity() and not kept:
            found.append(f"Enter the {IDENTITY_NAMES[kind]}.")
        if kind is not AuthKind.NONE and not self.secret() and not kept:
            found.append(f"Enter the {SECRET_NAMES[kind]}.")
        return found

    # ------------------------------------------------------------ reactions
    def _show_row(self, field: QWidget | QLayout, shown: bool) -> None:
        """Hide a form row with its label, so hidden rows leave no gap."""
        self.form.setRowVisible(field, shown)

    def _update_auth_fields(self) -> None:
        kind = self.auth_kind_value()
        jwt = kind is AuthKind.JWT
        self._show_row(self._key_row, kind is AuthKind.API_KEY)
        for field in (self.token_url, self.scopes, self.client_auth):
            self._show_row(field, kind is AuthKind.OAUTH2)
        self._show_row(self.username, kind in IDENTITY_NAMES)
        self.identity_label.setText(IDENTITY_NAMES.get(kind, "username").capitalize())
        if kind is AuthKind.OAUTH2:
            self.username.setPlaceholderText(
                self.username.placeholderText() if self.original else "the OAuth2 client id"
            )
        self._show_row(self.jwt_advanced, jwt)
        self._show_row(self.jwt_box, jwt and self.jwt_advanced.isChecked())
        self._show_row(self._secret_row, kind is not AuthKind.NONE)
        self.secret_label.setText(
            SECRET_NAMES.get(kind, "secret").capitalize().replace("Api", "API")
        )
        self._show_scheme_note()
        self._show_where_secret()
        self._on_secret_changed()

    def _openapi_chosen(self) -> bool:
        return self.catalog_kind.currentData() in (_OPENAPI_FILE, _OPENAPI_URL)

    def _update_catalog_fields(self) -> None:
        kind = self.catalog_kind.currentData()
        openapi = kind in (_OPENAPI_FILE, _OPENAPI_URL)
        self._show_row(self._source_row, openapi)
        self.catalog_browse.setVisible(kind == _OPENAPI_FILE)
        self._set_catalog_status("")
        self._validate()

    def _set_catalog_status(self, text: str) -> None:
        self.catalog_status.setText(text)
        self._show_row(self.catalog_status, bool(text))

    def _toggle_secret(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.secret_edit.setEchoMode(mode)

    def _on_secret_changed(self) -> None:
        raw = self.secret_edit.text()
        cleaned = clean_secret(raw)
        if cleaned != raw:  # pasted with spaces or a line break: keep only the key
            self.secret_edit.setText(cleaned)
            return
        hint = ""
        if self.auth_kind_value() is AuthKind.API_KEY:
            hint = key_format_hint(cleaned, self.catalog_value())
        self.secret_hint.setText(hint)
        self._show_row(self.secret_hint, bool(hint))
        self._validate()

    def _show_where_secret(self) -> None:
        location = getattr(self.secrets, "location", "this session only")
        kind = self.auth_kind_value()
        what, verb = SECRET_NAMES.get(kind, "secret"), "is"
        if kind in STORED_IDENTITY:
            what, verb = f"{IDENTITY_NAMES[kind]} and {what}", "are"
        text = f"The {what} {verb} kept in: {location}; never in the settings file."
        if kind is AuthKind.NONE:
            text = f"No secret is sent ({scheme_label(kind)})."
        self.where_secret.setText(text)
        # Why there is no keychain (and how to get one) is long: it goes in the tooltip.
        self.where_secret.setToolTip(getattr(self.secrets, "unavailable_reason", None) or "")

    def _mark_touched(self) -> None:
        if not self._touched:
            self._touched = True
            self._validate()

    def _forget_auto_name(self) -> None:
        self._auto_name = ""  # the user named the profile: a document's title no longer replaces it

    def _validate(self) -> None:
        problems = self.problems()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(not problems and not self._busy)
        save.setToolTip(problems[0] if problems else "")
        # Testing needs a valid form; the secret may still be missing (then the saved one is used).
        blocking = [p for p in problems if not p.startswith("Enter the")]
        self.test_button.setEnabled(not self._busy and not blocking)
        self.problem.setText(problems[0] if problems else "")
        role = "error" if self._touched else "hint"  # an untouched form is not red
        if self.problem.property("role") != role:
            self.problem.setProperty("role", role)
            theme.restyle(self.problem)
        warning = ""
        if not self.verify_tls.isChecked():
            warning = (
                "Certificate verification is off: anyone on the network path can read and change "
                "this traffic, including your credentials. Prefer a CA bundle."
            )
        self.tls_warning.setText(warning)
        self._show_row(self.tls_warning, bool(warning))

    def _browse_catalog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "OpenAPI document", "", "OpenAPI (*.json *.yaml *.yml);;All files (*)"
        )
        if path:
            self.catalog_source.setText(path)

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "CA bundle", "", "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if path:
            self.ca_bundle.setText(path)

    # ------------------------------------------------------------ async actions
    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._validate()

    def _check_catalog(self) -> None:
        source = self.catalog_value()
        if not source:
            return
        self._set_catalog_status("Reading the document…")
        spawn(self.check_catalog(source), owner=self, context="Reading the catalog")

    async def check_catalog(self, source: str) -> None:
        """Read the catalog now (file or URL, off the loop): its endpoints, base URL and the
        authentication it declares, which a new profile takes over."""
        try:
            catalog = await load_catalog(source)
        except ExplorerError as exc:
            self._set_catalog_status(describe_error(exc))
            return
        count = sum(1 for _ in catalog.endpoints())
        text = f"{catalog.name}: {count} endpoints."
        if catalog.warnings:
            n = len(catalog.warnings)
            text += f" {n} problem{'s' if n != 1 else ''} in the document: {catalog.warnings[0]}"
        if catalog.servers and not self._base_url_value().split("://", 1)[-1]:
            self.base_url.setCurrentText(catalog.servers[0])  # the document says where it lives
            text += f" Base URL taken from the document: {catalog.servers[0]}."
        if self.original is None and self._auto_name == self.name_edit.text().strip():
            self._auto_name = self._unique_name(catalog.name)
            self.name_edit.setText(self._auto_name)
        default = catalog.default_scheme()
        if self.original is not None:  # editing: offer the schemes, change nothing by itself
            self._set_doc_schemes(catalog.security_schemes, self.original.scheme_name or None)
        elif catalog.security_schemes:
            self._set_doc_schemes(catalog.security_schemes, default.name if default else "")
            self._on_doc_scheme_chosen()
        else:
            self._set_doc_schemes(())
            self._set_combo(self.auth_kind, AuthKind.NONE)
        if not catalog.security_schemes:
            text += " It declares no authentication."
        elif len(catalog.security_schemes) > 1:
            text += (
                f" It declares {len(catalog.security_schemes)} security schemes: choose one below."
            )
        self._set_catalog_status(text)
        self._validate()

    def _start_test(self) -> None:
        try:
            profile = self.profile()
        except ConfigError as exc:
            self.test_result.setText(exc.explanation)
            return
        self.test_result.setProperty("role", "hint")
        self.test_result.setText("Trying…")
        theme.restyle(self.test_result)
        self._test_task = spawn(self.run_test(profile), owner=self, context="Test connection")

    async def run_test(self, profile: Profile) -> ConnectionResult:
        """Try the connection with the typed secret (or the saved one when the field is empty)."""
        self._set_busy(True)
        try:
            typed = self.credentials()
            secret = typed.encode() if typed is not None else None
            if secret is None and self.original is not None:
                secret = await self.secrets.get(self.original.name)
            result = await try_connection(
                profile, secret, governors=self.governors, request_log=self.request_log
            )
        finally:
            self._set_busy(False)
        self.test_result.setProperty("role", "ok" if result.ok else "error")
        self.test_result.setText(result.message)
        self.test_result.setToolTip(result.details)
        theme.restyle(self.test_result)
        return result

    def _start_save(self) -> None:
        self._touched = True
        if self.problems():
            self._validate()
            return
        spawn(self.save(), owner=self, context="Saving the profile")

    async def save(self) -> Profile | None:
        """Store the secret, then the profile; close the dialog. Returns the saved profile."""
        problems = self.problems()
        if problems:
            self.problem.setText(problems[0])
            return None
        profile = self.profile()
        self._set_busy(True)
        try:
            old_name = self.original.name if self.original else None
            if profile.auth_kind is AuthKind.NONE:
                if old_name:
                    await self.secrets.delete(old_name)
            else:
                entry = await self._entry_to_store(old_name)
                if entry:
                    await self.secrets.set(profile.name, entry)
                if old_name and old_name != profile.name:
                    await self.secrets.delete(old_name)
            if old_name and old_name != profile.name:
                self.settings.remove_profile(old_name)
            self.settings.upsert_profile(profile)
            self.settings.last_profile = profile.name
            await asyncio.to_thread(self.settings_store.save, _snapshot(self.settings))
        except (ExplorerError, OSError) as exc:
            self.problem.setText(describe_error(exc))
            return None
        finally:
            self._set_busy(False)
        self.profile_saved.emit(profile)
        self.accept()
        return profile

    async def _entry_to_store(self, old_name: str | None) -> str | None:
        """The secret store value: what was typed, completed by the saved entry (an identity or
        a secret left empty while editing keeps its saved value); None to keep it as it is."""
        typed_secret, typed_identity = self.secret(), self.identity()
        kind = self.auth_kind_value()
        if kind not in STORED_IDENTITY:
            typed_identity = ""
        renamed = old_name is not None and old_name != self.name_edit.text().strip()
        if not typed_secret and not typed_identity and not renamed:
            return None
        saved = await self.secrets.get(old_name) if old_name else None
        kept = Credentials.decode(saved) if saved else Credentials("")
        identity = typed_identity or kept.identity if kind in STORED_IDENTITY else None
        secret = typed_secret or kept.secret
        return Credentials(secret, identity).encode() if secret else None

    def _delete_clicked(self) -> None:
        # A second click confirms: no modal question box (it would nest an event loop).
        if self.delete_button.property("armed"):
            spawn(self.delete(), owner=self, context="Deleting the profile")
            return
        self.delete_button.setProperty("armed", True)
        self.delete_button.setText("Click again to delete")
        self.problem.setText(
            f"Deleting removes the profile {self.original.name!r} and its saved secret."
            if self.original
            else ""
        )

    async def delete(self) -> None:
        """Remove the profile and its secret; close the dialog."""
        if self.original is None:
            return
        name = self.original.name
        self._set_busy(True)
        try:
            await self.secrets.delete(name)
            self.settings.remove_profile(name)
            await asyncio.to_thread(self.settings_store.save, _snapshot(self.settings))
        except (ExplorerError, OSError) as exc:
            self.problem.setText(describe_error(exc))
            return
        finally:
            self._set_busy(False)
        self.profile_deleted.emit(name)
        self.accept()


class _WrappedLabel(QLabel):
    """A word-wrapped label as tall as its text at its real width: Qt sizes wrapped labels by a
    guessed width, which leaves either a gap or a clipped last line inside a form."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if self.width() > 50 and self.text():
            return QSize(hint.width(), self.heightForWidth(self.width()))
        return hint

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.width() > 50 and self.text():
            return QSize(hint.width(), self.heightForWidth(self.width()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()


def _hint_label(parent: QWidget) -> QLabel:
    label = _WrappedLabel(parent)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def _reserve_lines(label: QLabel, lines: int) -> None:
    """Keep room for `lines` lines of text, so a message that comes and goes moves nothing."""
    label.setMinimumHeight(label.fontMetrics().lineSpacing() * lines + 4)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)


def _snapshot(settings: Settings) -> Settings:
    import copy

    return copy.deepcopy(settings)
