"""The query builder above a results table: filters, sorts, page size, other parameters, the URL.

Every edit rebuilds a `Query` (explorer.core.query), validates it against the endpoint and shows the
exact URL that would be sent. Problems are marked on the row they concern and Run stays disabled
with the reason beside it: nothing is sent from an invalid form. A URL pasted into the URL line
(or with "Paste URL") fills the builder through `parse_url`.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QCompleter,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.catalog import (
    Catalog,
    Endpoint,
    FieldType,
    FilterField,
    Operator,
)
from explorer.core.errors import ExplorerError
from explorer.core.fetch import page_size_cap, page_size_for, preview_url
from explorer.core.query import (
    FilterCondition,
    Query,
    QueryIssue,
    SortKey,
    parse_url,
    validate,
)
from explorer.ui import theme
from explorer.ui.results.column_chooser import move_current_item
from explorer.ui.results.value_editors import ValueEditor, make_editor, make_editor_for_values

OPERATOR_LABELS: dict[Operator, str] = {
    Operator.EQ: "equals",
    Operator.IN: "is one of",
    Operator.LT: "less than",
    Operator.LTE: "at most",
    Operator.GT: "greater than",
    Operator.GTE: "at least",
    Operator.CONT: "contains",
}

_INVALID_STYLE = (
    'QFrame#filterRow[invalid="true"] { border: 1px solid #c0392b; border-radius: 4px; }'
)


def _mark(widget: QWidget, invalid: bool) -> None:
    """Red border on a widget (via a dynamic property the style sheet matches)."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    theme.restyle(widget)


class FilterRow(QFrame):
    """One `filter[field]=op:value` row: field, operator, a value editor that fits, remove.

    Signals:
        changed(): anything in the row was edited.
        remove_requested(): the remove button was pressed.
    """

    changed = Signal()
    remove_requested = Signal()

    def __init__(
        self,
        endpoint: Endpoint,
        condition: FilterCondition | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filterRow")
        self.setStyleSheet(_INVALID_STYLE)
        self._endpoint = endpoint
        self._editor: ValueEditor | None = None
        self._editor_key: tuple[Any, ...] | None = None
        # What a pasted URL's value could not be read as; kept until the row is edited.
        self._pasted_problem = condition.problem if condition is not None else ""
        self._issue: str | None = None
        # A new, empty row is not red before the user has done anything with it: its problem
        # shows once focus has left the row after an edit, or when Run is pressed. A row that
        # came from a URL or a saved query is judged at once.
        self._touched = condition is not None
        self._edited_since_focus = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.setSpacing(1)
        line = QHBoxLayout()
        line.setSpacing(4)
        outer.addLayout(line)

        self.field_combo = QComboBox()
        self.field_combo.setEditable(True)
        self.field_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.field_combo.setMinimumContentsLength(18)
        self.field_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        names = [f.name for f in endpoint.filters]
        self.field_combo.addItems(names)
        for i, f in enumerate(endpoint.filters):
            tip = f"{f.name} ({f.type.value})" + (f"\n{f.description}" if f.description else "")
            self.field_combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        completer = QCompleter(QStringListModel(names, self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.field_combo.setCompleter(completer)
        line_edit = self.field_combo.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText("field")
        line.addWidget(self.field_combo)

        self.op_combo = QComboBox()
        line.addWidget(self.op_combo)

        self._editor_slot = QHBoxLayout()
        self._editor_slot.setContentsMargins(0, 0, 0, 0)
        line.addLayout(self._editor_slot, 1)

        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setToolTip("Remove this filter")
        self.remove_button.setAutoRaise(True)
        self.remove_button.clicked.connect(self.remove_requested)
        line.addWidget(self.remove_button)

        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.hide()
        outer.addWidget(self.message)

        initial = condition or FilterCondition(names[0] if names else "", Operator.EQ, ())
        self.field_combo.setCurrentText(initial.field)
        self._fill_operators(initial.op)
        self._make_editor(initial.values)
        self.field_combo.currentTextChanged.connect(self._field_changed)
        self.op_combo.currentIndexChanged.connect(self._op_changed)

    # ------------------------------------------------------------ public
    def operator(self) -> Operator:
        return Operator(self.op_combo.currentData() or Operator.EQ.value)

    def condition(self) -> FilterCondition:
        op = self.operator()
        values = self._editor.values() if self._editor is not None else ()
        problem = (
            self._editor.problem() if self._editor is not None else ""
        ) or self._pasted_problem
        return FilterCondition(
            self.field_combo.currentText().strip(), Operator(op), tuple(values), problem
        )

    def set_issue(self, message: str | None) -> None:
        self._issue = message
        shown = message is not None and self._touched
        _mark(self, shown)
        self.message.setText(message or "")
        self.message.setVisible(shown)

    def issue(self) -> str | None:
        return self._issue

    @property
    def touched(self) -> bool:
        return self._touched

    def touch(self) -> None:
        """From now on the row's problem is shown."""
        if not self._touched:
            self._touched = True
            self.set_issue(self._issue)

    def focus_left(self) -> None:
        if self._edited_since_focus:
            self.touch()

    def editor(self) -> ValueEditor | None:
        return self._editor

    # ------------------------------------------------------------ internals
    def _field(self) -> FilterField | None:
        return self._endpoint.filter_field(self.field_combo.currentText().strip())

    def _fill_operators(self, wanted: Operator | None) -> None:
        field = self._field()
        ops = list(field.operators) if field is not None else list(Operator)
        if wanted is not None and wanted not in ops:
            ops.append(
                wanted
            )  # keep what a pasted URL said; validation tells whether it is allowed
        self.op_combo.blockSignals(True)
        self.op_combo.clear()
        for op in ops:
            self.op_combo.addItem(OPERATOR_LABELS.get(op, op.value), op.value)
            self.op_combo.setItemData(
                self.op_combo.count() - 1, op.value, Qt.ItemDataRole.ToolTipRole
            )
        index = self.op_combo.findData(wanted.value) if wanted is not None else 0
        self.op_combo.setCurrentIndex(max(0, index))
        self.op_combo.blockSignals(False)

    def _make_editor(self, values: tuple[str, ...]) -> None:
        field = self._field()
        op = self.operator()
        field_type = field.type if field is not None else FieldType.STRING
        choices = field.enum_values if field is not None else ()
        multiple = op is Operator.IN
        key = (field_type, choices, multiple)
        if key == self._editor_key and self._editor is not None:
            return
        if self._editor is not None:
            self._editor_slot.removeWidget(self._editor)
            self._editor.deleteLater()
        name = field.name if field is not None else ""
        if values:
            editor = make_editor_for_values(
                field_type, values, multiple=multiple, choices=choices, name=name
            )
        else:
            editor = make_editor(field_type, multiple=multiple, choices=choices, name=name)
        editor.changed.connect(self._edited)
        self._editor_slot.addWidget(editor)
        self._editor = editor
        self._editor_key = key

    def _edited(self) -> None:
        self._pasted_problem = ""
        self._edited_since_focus = True
        self.changed.emit()

    def _field_changed(self) -> None:
        self._pasted_problem = ""
        self._edited_since_focus = True
        self._fill_operators(self.operator())
        self._make_editor(self._editor.values() if self._editor is not None else ())
        self.changed.emit()

    def _op_changed(self) -> None:
        self._make_editor(self._editor.values() if self._editor is not None else ())
        self.changed.emit()


class SortEditor(QWidget):
    """The sort keys in order, each with its direction in words (A→Z ascending, Z→A descending).

    Signals:
        changed(): a key was added, removed, moved or turned around.
    """

    changed = Signal()

    def __init__(self, endpoint: Endpoint, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._endpoint = endpoint
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(QLabel("Sort"))
        self.list = QListWidget()
        self.list.setFlow(QListWidget.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setFixedHeight(self.fontMetrics().height() + 14)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.setSpacing(2)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setToolTip("Double-click a key to turn its direction around; drag to reorder.")
        self.list.itemDoubleClicked.connect(lambda item: self._toggle(item))
        self.list.model().rowsMoved.connect(self.changed)
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.list.setMinimumWidth(120)
        layout.addWidget(self.list, 1)
        self.empty_label = QLabel("none: records come in the API's own order")
        self.empty_label.setProperty("role", "hint")
        layout.addWidget(self.empty_label, 1)
        self.changed.connect(self._show_empty)

        self.add_combo = QComboBox()
        self.add_combo.addItem("Add sort…")
        self.add_combo.addItems(list(endpoint.sort_fields))
        self.add_combo.setEnabled(bool(endpoint.sort_fields))
        if not endpoint.sort_fields:
            self.add_combo.setToolTip("This endpoint does not document any sortable field.")
        self.add_combo.activated.connect(self._add_chosen)
        layout.addWidget(self.add_combo)

        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip, slot in (
            ("direction", "A→Z / Z→A", "Sort the selected key the other way", self._toggle_current),
            (
                "earlier",
                "Earlier",
                "Sort by the selected key before the others",
                lambda: self._move(-1),
            ),
            ("later", "Later", "Sort by the selected key after the others", lambda: self._move(1)),
            ("remove", "Remove", "Stop sorting by the selected key", self._remove_current),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            layout.addWidget(button)
            self.buttons[key] = button
        self._show_empty()

    def _show_empty(self) -> None:
        empty = self.list.count() == 0
        self.list.setVisible(not empty)
        self.empty_label.setVisible(empty)
        for button in self.buttons.values():
            button.setEnabled(not empty)
            if empty:
                button.setToolTip("Add a sort key first")

    def mark_invalid(self, fields: set[str]) -> None:
        """Show the keys the API cannot sort by in red, with the reason."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            key = item.data(Qt.ItemDataRole.UserRole)
            bad = isinstance(key, SortKey) and key.field in fields
            item.setForeground(QColor(theme.ERROR_COLOR) if bad else QBrush())
            if isinstance(key, SortKey):
                direction = "Z→A" if key.descending else "A→Z"
                item.setToolTip(
                    f"{key.field} cannot be sorted by here"
                    if bad
                    else f"{key.field}, {direction}; double-click to turn it around"
                )

    def sorts(self) -> tuple[SortKey, ...]:
        keys = []
        for i in range(self.list.count()):
            key = self.list.item(i).data(Qt.ItemDataRole.UserRole)
            if isinstance(key, SortKey):
                keys.append(key)
        return tuple(keys)

    def set_sorts(self, sorts: tuple[SortKey, ...] | list[SortKey]) -> None:
        self.list.clear()
        for key in sorts:
            self._append(key)
        self.changed.emit()

    def _append(self, key: SortKey) -> None:
        item = QListWidgetItem()
        self._show(item, key)
        self.list.addItem(item)

    @staticmethod
    def _show(item: QListWidgetItem, key: SortKey) -> None:
        direction = "Z→A" if key.descending else "A→Z"
        item.setText(f"{key.field} {direction}")
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setToolTip(f"{key.field}, {direction}; double-click to turn it around")

    def _add_chosen(self, index: int) -> None:
        self.add_combo.setCurrentIndex(0)
        if index <= 0:
            return
        name = self.add_combo.itemText(index)
        if any(k.field == name for k in self.sorts()):
            return
        self._append(SortKey(name, False))
        self.changed.emit()

    def _toggle(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        self._show(item, SortKey(key.field, not key.descending))
        self.changed.emit()

    def _toggle_current(self) -> None:
        current = self.list.currentRow()
        self._toggle(self.list.item(current if current >= 0 else 0))

    def _move(self, step: int) -> None:
        if move_current_item(self.list, step):
            self.changed.emit()

    def _remove_current(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            row = self.list.count() - 1
        if row >= 0:
            self.list.takeItem(row)
            self.changed.emit()


class _PasteWatcher(QObject):
    """Ctrl+V on the URL line replaces it and reads the pasted URL into the builder."""

    def __init__(self, builder: QueryBuilder) -> None:
        super().__init__(builder)
        self._builder = builder

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.matches(QKeySequence.StandardKey.Paste):  # type: ignore[attr-defined]
            text = QGuiApplication.clipboard().text().strip()
            if text:
                self._builder.apply_url(text)
                return True
        return False


class QueryBuilder(QWidget):
    """Filters, sorts, page size, parameters and the live URL of one tab's query.

    Signals:
        query_changed(object): the form changed (the new Query, valid or not).
        run_requested(object): Run was pressed on a valid form (the Query).
        stop_requested(): Stop (Run while a query runs) was pressed.
        other_endpoint_pasted(str, object): a pasted URL belongs to another endpoint (id, Query).
        message(str): a short note for the tab's status line.
    """

    query_changed = Signal(object)
    run_requested = Signal(object)
    stop_requested = Signal()
    other_endpoint_pasted = Signal(str, object)
    message = Signal(str)

    def __init__(
        self,
        endpoint: Endpoint,
        catalog: Catalog | None,
        base_url: str,
        *,
        default_page_size: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._endpoint = endpoint
        self._catalog = catalog
        self._base_url = base_url
        self._rows: list[FilterRow] = []
        self._param_editors: dict[str, ValueEditor] = {}
        self._path_editors: dict[str, ValueEditor] = {}
        self._touched_params: set[str] = set()  # parameters whose problems show (see FilterRow)
        self._edited_params: set[str] = set()
        self._issues: list[QueryIssue] = []
        self._columns: tuple[str, ...] = ()
        # Parameters of the query that have no editor (an endpoint no catalog lists, a pasted
        # URL's extra parameter), and repeated values: sent as they came.
        self._undeclared: dict[str, str] = {}
        self._more_values: tuple[tuple[str, str], ...] = ()
        self._updating = False
        self._default_page_size = default_page_size

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)

        # --- the collapsible body: filters, sorts, page size, parameters
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(3)
        self._rows_box = QVBoxLayout()
        self._rows_box.setSpacing(2)
        body.addLayout(self._rows_box)
        add_line = QHBoxLayout()
        self.add_filter_button = QPushButton("+ Add filter")
        self.add_filter_button.setEnabled(bool(endpoint.filters))
        self.add_filter_button.setToolTip(
            "Add a condition; all conditions must hold (AND)."
            if endpoint.filters
            else "This endpoint does not document any filter."
        )
        self.add_filter_button.clicked.connect(lambda: self.add_filter_row(focus=True))
        add_line.addWidget(self.add_filter_button)
        add_line.addStretch(1)
        body.addLayout(add_line)

        sort_line = QHBoxLayout()
        self.sort_editor = SortEditor(endpoint)
        self.sort_editor.changed.connect(self._changed)
        sort_line.addWidget(self.sort_editor, 1)
        self.page_size_label = QLabel("Page size")
        self.page_size = QSpinBox()
        maximum = page_size_cap(endpoint)
        self.page_size.setRange(1, maximum)
        self.page_size.setValue(self._initial_page_size())
        self.page_size.setToolTip(f"Records per request (at most {maximum}).")
        self.page_size.valueChanged.connect(self._changed)
        sort_line.addWidget(self.page_size_label)
        sort_line.addWidget(self.page_size)
        paged = endpoint.sends_page_size
        self.page_size_label.setVisible(paged)
        self.page_size.setVisible(paged)
        self.sort_editor.setVisible(bool(endpoint.sort_fields) or endpoint.is_list)
        body.addLayout(sort_line)

        self.params_form = QFormLayout()
        self.params_form.setContentsMargins(0, 0, 0, 0)
        self.params_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._build_param_editors()
        body.addLayout(self.params_form)
        layout.addWidget(self.body)

        # --- always visible: the URL and Run
        url_line = QHBoxLayout()
        url_line.setSpacing(4)
        url_label = QLabel("URL")
        url_label.setToolTip("The exact request; paste a URL here (Ctrl+V) to fill the form.")
        url_line.addWidget(url_label)
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("urlPreview")
        mono = self.url_edit.font()
        mono.setStyleHint(mono.StyleHint.Monospace)
        mono.setFamily("monospace")
        self.url_edit.setFont(mono)
        self.url_edit.setToolTip(
            "The exact URL this query requests (paging parameters are added per page).\n"
            "Paste or type a URL and press Enter to fill the form from it."
        )
        self.url_edit.returnPressed.connect(lambda: self.apply_url(self.url_edit.text()))
        self.url_edit.installEventFilter(_PasteWatcher(self))
        url_line.addWidget(self.url_edit, 1)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the URL")
        self.copy_button.clicked.connect(self.copy_url)
        url_line.addWidget(self.copy_button)
        self.paste_button = QToolButton()
        self.paste_button.setText("Paste URL")
        self.paste_button.setToolTip("Fill the form from a URL on the clipboard")
        self.paste_button.clicked.connect(self._paste_clipboard)
        url_line.addWidget(self.paste_button)
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.setToolTip("Run the query (Ctrl+Enter)")
        self.run_button.clicked.connect(self._run_clicked)
        self._running = False
        url_line.addWidget(self.run_button)
        layout.addLayout(url_line)

        self.reason_label = QLabel()
        self.reason_label.setProperty("role", "error")
        self.reason_label.setWordWrap(True)
        self.reason_label.hide()
        layout.addWidget(self.reason_label)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self._refresh)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self._refresh()

    # ------------------------------------------------------------ public API
    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    def query(self) -> Query:
        """The query the form describes now (possibly invalid: see `issues()`)."""
        filters = tuple(row.condition() for row in self._rows)
        params = {}
        for name, editor in self._param_editors.items():
            values = editor.values()
            if values:
                params[name] = values[0]
        params.update(self._undeclared)
        path_params = {}
        for name, editor in self._path_editors.items():
            values = editor.values()
            path_params[name] = values[0] if values else ""
        paged = self._endpoint.sends_page_size
        return Query(
            endpoint_id=self._endpoint.id,
            path_params=path_params,
            filters=filters,
            sorts=self.sort_editor.sorts(),
            page_size=self.page_size.value() if paged else None,
            params=params,
            columns=self._columns,
            more_values=self._more_values,
        )

    def set_query(self, query: Query) -> None:
        """Show a query in the form (rows, sorts, page size, parameters)."""
        self._updating = True
        try:
            for row in list(self._rows):
                self._remove_row(row, refresh=False)
            for condition in query.filters:
                self.add_filter_row(condition, refresh=False)
            self.sort_editor.set_sorts(tuple(query.sorts))
            if query.page_size:
                self.page_size.setValue(min(query.page_size, self.page_size.maximum()))
            for name, editor in self._param_editors.items():
                value = _lookup(query.params, name)
                if value is not None:
                    editor.set_values((value,))
                elif not self._is_required(name):
                    editor.set_values(())
            for name, editor in self._path_editors.items():
                value = _lookup(query.path_params, name)
                editor.set_values((str(value),) if value not in (None, "") else ())
            self._columns = tuple(query.columns)
            # A query from a URL, a link or a saved file is judged at once, in full.
            self._touched_params.update(self._param_editors)
            self._touched_params.update(self._path_editors)
            known = {name.lower() for name in self._param_editors}
            self._undeclared = {k: v for k, v in query.params.items() if k.lower() not in known}
            self._more_values = query.more_values
        finally:
            self._updating = False
        self._refresh()

    def set_sorts(self, sorts: tuple[SortKey, ...]) -> None:
        self.sort_editor.set_sorts(sorts)
        self._refresh()

    def issues(self) -> list[QueryIssue]:
        return list(self._issues)

    def is_valid(self) -> bool:
        return not self._issues

    def url(self) -> str:
        return self.url_edit.text()

    def filter_rows(self) -> list[FilterRow]:
        return list(self._rows)

    def param_editor(self, name: str) -> ValueEditor | None:
        return self._param_editors.get(name) or self._path_editors.get(name)

    def _untouched(self, issue: QueryIssue) -> bool:
        if issue.row is not None:
            return 0 <= issue.row < len(self._rows) and not self._rows[issue.row].touched
        return (
            issue.field is not None
            and issue.field
            in {
                **self._param_editors,
                **self._path_editors,
            }
            and issue.field not in self._touched_params
        )

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        """Focus left a filter row or a parameter after an edit: its problem may show now."""
        for row in self._rows:
            if (
                old is not None
                and row.isAncestorOf(old)
                and not (new is not None and row.isAncestorOf(new))
            ):
                row.focus_left()
        for name, editor in {**self._param_editors, **self._path_editors}.items():
            left = old is not None and editor.isAncestorOf(old)
            if left and name not in self._touched_params and name in self._edited_params:
                self._touched_params.add(name)
        self._refresh_timer.start()

    def add_filter_row(
        self, condition: FilterCondition | None = None, *, focus: bool = False, refresh: bool = True
    ) -> FilterRow:
        row = FilterRow(self._endpoint, condition)
        row.changed.connect(self._changed)
        row.remove_requested.connect(lambda r=row: self._remove_row(r))
        self._rows.append(row)
        self._rows_box.addWidget(row)
        if focus:
            editor = row.editor()
            (editor.focus_widget() if editor is not None else row.field_combo).setFocus()
        if refresh:
            self._refresh()
        return row

    def set_running(self, running: bool) -> None:
        """While a query runs, Run becomes Stop (and is always enabled)."""
        if running == self._running:
            return
        self._running = running
        self.run_button.setText("Stop" if running else "Run")
        if running:
            self.run_button.setEnabled(True)
            self.run_button.setToolTip("Stop loading; the rows loaded so far stay")
        else:
            self._refresh()  # back to Run, enabled (or not) by the form's state

    def _run_clicked(self) -> None:
        if self._running:
            self.stop_requested.emit()
        else:
            self.request_run()

    def request_run(self) -> None:
        for row in self._rows:
            row.touch()
        self._touched_params.update(self._param_editors)
        self._touched_params.update(self._path_editors)
        self._refresh()
        if self._issues:
            self.message.emit("Fix the marked problems first: " + self.reason_label.text())
            return
        self.run_requested.emit(self.query())

    def copy_url(self) -> None:
        QGuiApplication.clipboard().setText(self.url_edit.text())
        self.message.emit("URL copied.")

    def focus_url(self) -> None:
        self.url_edit.setFocus()
        self.url_edit.selectAll()

    def set_collapsed(self, collapsed: bool) -> None:
        self.body.setVisible(not collapsed)

    def apply_url(self, text: str) -> bool:
        """Fill the form from a URL (or a path with a query string); False when it cannot be read."""
        text = text.strip()
        if not text:
            return False
        source: Catalog | Endpoint = self._catalog if self._catalog is not None else self._endpoint
        try:
            # A path the catalog does not list opens a tab of its own (paging detected).
            query = parse_url(text, source, allow_unlisted=self._catalog is not None)
        except ExplorerError as exc:
            self._show_url_problem(
                exc.explanation if exc.explanation != exc.default_explanation else str(exc)
            )
            return False
        except ValueError as exc:
            self._show_url_problem(str(exc))
            return False
        if query.endpoint_id != self._endpoint.id:
            self.other_endpoint_pasted.emit(query.endpoint_id, query)
            self._refresh()  # puts this tab's own URL back
            return True
        self.set_query(dataclasses.replace(query, columns=self._columns or query.columns))
        self.message.emit("The form was filled from the URL.")
        return True

    # ------------------------------------------------------------ internals
    def _initial_page_size(self) -> int:
        return page_size_for(self._endpoint, None, self._default_page_size)

    def _is_required(self, name: str) -> bool:
        return any(p.name == name and p.required for p in self._endpoint.params)

    def _build_param_editors(self) -> None:
        for path_param in self._endpoint.path_params:
            editor = make_editor(path_param.type, optional=True)
            editor.changed.connect(self._changed)
            editor.changed.connect(lambda n=path_param.name: self._edited_params.add(n))
            label = QLabel(f"{path_param.name} *")
            label.setToolTip(path_param.description or "Part of the path; required.")
            self.params_form.addRow(label, editor)
            self._path_editors[path_param.name] = editor
        for param in self._endpoint.params:
            editor = make_editor(param.type, choices=param.enum_values, optional=not param.required)
            initial = _initial_param_value(param.name, param.type, param.default, param.required)
            if initial is not None:
                editor.set_values((initial,))
            editor.changed.connect(self._changed)
            editor.changed.connect(lambda n=param.name: self._edited_params.add(n))
            label = QLabel(f"{param.name}{' *' if param.required else ''}")
            label.setToolTip(param.description or ("Required." if param.required else "Optional."))
            self.params_form.addRow(label, editor)
            self._param_editors[param.name] = editor

    def _remove_row(self, row: FilterRow, *, refresh: bool = True) -> None:
        if row in self._rows:
            self._rows.remove(row)
        self._rows_box.removeWidget(row)
        row.hide()
        row.deleteLater()
        if refresh:
            self._refresh()

    def _changed(self) -> None:
        if not self._updating:
            self._refresh_timer.start()

    def _paste_clipboard(self) -> None:
        text = QGuiApplication.clipboard().text().strip()
        if not text:
            self.message.emit("The clipboard holds no URL.")
            return
        self.apply_url(text)

    def _show_url_problem(self, text: str) -> None:
        self.reason_label.setText(f"That URL could not be read: {text}")
        self.reason_label.show()
        self.message.emit(f"That URL could not be read: {text}")

    def _refresh(self) -> None:
        """Validate, mark rows, update the URL and Run; emit query_changed."""
        self._refresh_timer.stop()
        query = self.query()
        issues: list[QueryIssue] = []
        try:
            issues.extend(validate(query, self._endpoint))
        except ExplorerError as exc:
            issues.append(QueryIssue(None, None, exc.explanation))
        issues = _dedupe(issues)
        self._issues = issues

        by_row: dict[int, str] = {}
        for issue in issues:
            if issue.row is not None and issue.row not in by_row:
                by_row[issue.row] = issue.message
        for i, row in enumerate(self._rows):
            row.set_issue(by_row.get(i))
        sort_names = {k.field for k in query.sorts}
        self.sort_editor.mark_invalid(
            {i.field for i in issues if i.row is None and i.field in sort_names}
        )
        for name, editor in {**self._param_editors, **self._path_editors}.items():
            problem = next((i.message for i in issues if i.row is None and i.field == name), None)
            if name not in self._touched_params:
                problem = None  # not red before the user has done anything with it
            editor.setStyleSheet(
                "border: 1px solid #c0392b; border-radius: 3px;" if problem else ""
            )
            editor.setToolTip(problem or "")

        if issues:
            first = issues[0]
            more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
            untouched = self._untouched(first)
            if untouched:
                # Nothing done wrong yet: say what is left to fill in, calmly.
                where = f"filter {first.row + 1}" if first.row is not None else first.field
                reason = f"Fill in {where or 'the marked fields'}, then Run."
            elif first.row is not None:
                # The row shows the full message; here a short pointer to it is enough.
                field = f" ({first.field})" if first.field else ""
                reason = f"Cannot run: filter {first.row + 1}{field} needs fixing, see above{more}."
            else:
                reason = f"Cannot run: {first.message}{more}"
            self.reason_label.setText(reason)
            role = "hint" if untouched else "error"
            if self.reason_label.property("role") != role:
                self.reason_label.setProperty("role", role)
                theme.restyle(self.reason_label)
            self.reason_label.show()
        else:
            self.reason_label.hide()
        if not self._running:  # while a query runs the button is Stop, always enabled
            self.run_button.setEnabled(not issues)
            self.run_button.setToolTip(
                "Run the query (Ctrl+Enter)" if not issues else self.reason_label.text()
            )
        try:
            url = preview_url(self._base_url, self._endpoint, query, self._default_page_size)
        except (ExplorerError, ValueError, KeyError) as exc:
            url = f"{self._base_url.rstrip('/')}{self._endpoint.path}"
            if not issues:
                self.reason_label.setText(f"Cannot run: {getattr(exc, 'explanation', exc)}")
                self.reason_label.show()
                self.run_button.setEnabled(self._running)
        if self.url_edit.text() != url:
            self.url_edit.setText(url)
            self.url_edit.setCursorPosition(0)
        self.query_changed.emit(query)


def _initial_param_value(
    name: str, field_type: FieldType, default: str | None, required: bool
) -> str | None:
    """A useful starting value: the documented default, or a date range ending today."""
    if default is not None:
        return default
    if not required or field_type not in (FieldType.DATE, FieldType.DATETIME):
        return None
    day = (
        date.today() - timedelta(days=30)
        if "start" in name.lower() or "from" in name.lower()
        else date.today()
    )
    return day.isoformat() if field_type is FieldType.DATE else f"{day.isoformat()}T00:00:00Z"


def _lookup(mapping: Any, name: str) -> Any:
    """A parameter by name, ignoring case (Scout binds names case-insensitively)."""
    if not mapping:
        return None
    if name in mapping:
        return mapping[name]
    wanted = name.lower()
    return next((v for k, v in mapping.items() if str(k).lower() == wanted), None)


def _dedupe(issues: list[QueryIssue]) -> list[QueryIssue]:
    seen: set[tuple[int | None, str]] = set()
    kept = []
    for issue in issues:
        key = (issue.row, issue.field or "") if issue.row is not None else (None, issue.message)
        if key in seen:
            continue
        seen.add(key)
        kept.append(issue)
    return kept
