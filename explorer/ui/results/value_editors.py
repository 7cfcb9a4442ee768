"""Value editors for filter rows and query parameters: one widget per field type.

Every editor gives its value as the raw strings the query model expects (`values()`), unquoted:
the query model adds the quoting the API needs. Dates are ISO 8601 (`2026-08-01`), date-times
ISO 8601 in UTC (`2026-08-01T00:00:00Z`), booleans `true`/`false`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from PySide6.QtCore import QDate, QDateTime, QRegularExpression, QTime, QTimeZone, Signal
from PySide6.QtGui import QAction, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from explorer.core.catalog import FieldType
from explorer.core.errors import QueryError
from explorer.core.query import encode_value, parse_values

_DATE_FORMAT = "yyyy-MM-dd"


class ValueEditor(QWidget):
    """Base of the editors: a row of widgets with `values()` / `set_values()`.

    Signals:
        changed(): the value was edited.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)

    def values(self) -> tuple[str, ...]:
        raise NotImplementedError

    def set_values(self, values: tuple[str, ...]) -> bool:
        """Show these values; False when they do not fit this editor (the caller picks another)."""
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self

    def problem(self) -> str:
        """Why the typed text is not a usable value ("" when it is)."""
        return ""


class TextEditor(ValueEditor):
    """Free text; an empty box means no value."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        placeholder: str = "value",
        pattern: QRegularExpression | None = None,
    ) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        # Anchored copy of the pattern, to check values set from a pasted URL.
        self._pattern = (
            QRegularExpression(QRegularExpression.anchoredPattern(pattern.pattern()))
            if pattern is not None
            else None
        )
        if pattern is not None:
            self.edit.setValidator(QRegularExpressionValidator(pattern, self.edit))
        self.edit.textChanged.connect(self.changed)
        self._layout.addWidget(self.edit)

    def values(self) -> tuple[str, ...]:
        text = self.edit.text().strip()
        return (text,) if text else ()

    def set_values(self, values: tuple[str, ...]) -> bool:
        if len(values) > 1:
            return False
        text = values[0] if values else ""
        if text and self._pattern is not None and not self._pattern.match(text).hasMatch():
            return False
        self.edit.setText(text)
        return True

    def focus_widget(self) -> QWidget:
        return self.edit


_BYTE_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_NUMBER_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")


def parse_number(text: str, *, integer: bool, bytes_unit: bool) -> str:
    """The number a typed text means, as the API wants it (raises ValueError saying why not).

    Byte counts take units (`8GB` = 8,000,000,000; `8 GiB` = 8,589,934,592); nothing is ever
    dropped silently: text that is not a number is refused with the reason.
    """
    match = _NUMBER_TEXT.match(text)
    if match is None:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"“{text.strip()}” is not {kind}")
    number, unit = match.group(1), match.group(2).lower()
    if unit:
        if not bytes_unit:
            raise ValueError(f"“{text.strip()}” is not a number (no units here)")
        if unit not in _BYTE_UNITS:
            raise ValueError(
                f"“{match.group(2)}” is not a size unit; use B, KB, MB, GB, TB (or KiB, MiB, GiB)"
            )
        value = float(number) * _BYTE_UNITS[unit]
        if value != int(value):
            raise ValueError(f"“{text.strip()}” is not a whole number of bytes")
        return str(int(value))
    if integer and not re.fullmatch(r"-?\d+", number):
        raise ValueError(f"“{text.strip()}” is not a whole number")
    return number


class NumberEditor(ValueEditor):
    """A number typed as text. Nothing typed is dropped: text that is not a number is kept and
    refused with the reason; byte counts accept units and say the exact value."""

    def __init__(
        self, parent: QWidget | None = None, *, integer: bool = False, bytes_unit: bool = False
    ) -> None:
        super().__init__(parent)
        self._integer = integer
        self._bytes = bytes_unit
        self.edit = QLineEdit()
        if bytes_unit:
            self.edit.setPlaceholderText("bytes, or 8GB, 512 MiB")
        else:
            self.edit.setPlaceholderText("a whole number" if integer else "a number")
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self._text_changed)
        self._layout.addWidget(self.edit)
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        self.hint.hide()
        self._layout.addWidget(self.hint)

    def _parsed(self) -> tuple[str | None, str]:
        text = self.edit.text().strip()
        if not text:
            return None, ""
        try:
            return parse_number(text, integer=self._integer, bytes_unit=self._bytes), ""
        except ValueError as exc:
            return None, str(exc)

    def values(self) -> tuple[str, ...]:
        value, problem = self._parsed()
        if problem:
            return (self.edit.text().strip(),)  # kept as typed; problem() refuses it
        return (value,) if value is not None else ()

    def problem(self) -> str:
        return self._parsed()[1]

    def set_values(self, values: tuple[str, ...]) -> bool:
        if len(values) > 1:
            return False
        text = values[0] if values else ""
        if text:
            try:
                parse_number(text, integer=self._integer, bytes_unit=False)
            except ValueError:
                return False
        self.edit.setText(text)
        return True

    def focus_widget(self) -> QWidget:
        return self.edit

    def _text_changed(self) -> None:
        value, _ = self._parsed()
        shown = self._bytes and value is not None and value != self.edit.text().strip()
        self.hint.setText(f"= {int(value):,} bytes" if shown and value is not None else "")
        self.hint.setVisible(bool(shown))
        self.changed.emit()


class ChoiceEditor(ValueEditor):
    """A fixed list of choices (enum values, true/false); `optional` adds an empty first choice."""

    def __init__(
        self, choices: tuple[str, ...], parent: QWidget | None = None, *, optional: bool = False
    ) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        if optional:
            self.combo.addItem("(not set)", "")
        for choice in choices:
            self.combo.addItem(choice, choice)
        self.combo.currentIndexChanged.connect(self.changed)
        self._layout.addWidget(self.combo)

    def values(self) -> tuple[str, ...]:
        value = self.combo.currentData()
        return (value,) if value else ()

    def set_values(self, values: tuple[str, ...]) -> bool:
        if not values:
            index = self.combo.findData("")
            if index >= 0:
                self.combo.setCurrentIndex(index)
            return True
        if len(values) != 1:
            return False
        index = self.combo.findData(values[0])
        if index < 0:
            # The API matches enum values case-insensitively more often than not; keep the choice.
            index = next(
                (
                    i
                    for i in range(self.combo.count())
                    if str(self.combo.itemData(i)).lower() == values[0].lower()
                ),
                -1,
            )
        if index < 0:
            return False
        self.combo.setCurrentIndex(index)
        return True

    def focus_widget(self) -> QWidget:
        return self.combo


class DateEditor(ValueEditor):
    """A date with a calendar popup, as YYYY-MM-DD."""

    def __init__(self, parent: QWidget | None = None, *, initial: QDate | None = None) -> None:
        super().__init__(parent)
        self.edit = QDateEdit(initial or QDate.currentDate())
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat(_DATE_FORMAT)
        self.edit.dateChanged.connect(self.changed)
        self._layout.addWidget(self.edit)

    def values(self) -> tuple[str, ...]:
        return (self.edit.date().toString(_DATE_FORMAT),)

    def set_values(self, values: tuple[str, ...]) -> bool:
        if not values:
            return True
        if len(values) != 1:
            return False
        date = QDate.fromString(values[0][:10], _DATE_FORMAT)
        if not date.isValid() or len(values[0]) != 10:
            return False
        self.edit.setDate(date)
        return True

    def focus_widget(self) -> QWidget:
        return self.edit


class DateTimeEditor(ValueEditor):
    """A date and time in UTC with a calendar popup, as ISO 8601 with a Z."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        now = QDateTime(QDate.currentDate(), QTime(0, 0), QTimeZone.utc())
        self.edit = QDateTimeEdit(now)
        self.edit.setTimeZone(QTimeZone.utc())
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.edit.dateTimeChanged.connect(self.changed)
        self._layout.addWidget(self.edit)
        zone = QLabel("UTC")
        zone.setProperty("role", "hint")
        self._layout.addWidget(zone)

    def values(self) -> tuple[str, ...]:
        value = self.edit.dateTime().toUTC()
        return (value.toString("yyyy-MM-ddTHH:mm:ss") + "Z",)

    def set_values(self, values: tuple[str, ...]) -> bool:
        if not values:
            return True
        if len(values) != 1:
            return False
        parsed = parse_iso_datetime(values[0])
        if parsed is None:
            return False
        self.edit.setDateTime(
            QDateTime(
                QDate(parsed.year, parsed.month, parsed.day),
                QTime(parsed.hour, parsed.minute, parsed.second),
                QTimeZone.utc(),
            )
        )
        return True

    def focus_widget(self) -> QWidget:
        return self.edit


class ListEditor(ValueEditor):
    """Several values for `in`, typed as comma-separated text.

    A value holding a comma (or a double quote) is written in double quotes, as in a CSV line:
    `"Space Sprockets, Inc.", Acme`. With known choices (enum fields) a menu ticks them in and out.
    """

    def __init__(self, parent: QWidget | None = None, *, choices: tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText('a, b, "a value, with a comma"')
        self.edit.setToolTip(
            "Several values, separated by commas.\n"
            'Put a value that holds a comma or a quote in double quotes: "Space Sprockets, Inc."\n'
            'A quote inside quotes is written twice: "a ""quoted"" word".'
        )
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self._text_changed)
        self._layout.addWidget(self.edit, 1)
        self.count_label = QLabel()
        self.count_label.setProperty("role", "hint")
        self._layout.addWidget(self.count_label)
        self._choices = choices
        if choices:
            button = QToolButton()
            button.setText("Choose")
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(button)
            menu.aboutToShow.connect(lambda: self._fill_menu(menu))
            button.setMenu(menu)
            self._layout.addWidget(button)
        self._text_changed()

    def values(self) -> tuple[str, ...]:
        try:
            return split_list(self.edit.text())
        except QueryError:
            return ()

    def problem(self) -> str:
        """Why the text cannot be read as a list ("" when it can)."""
        try:
            split_list(self.edit.text())
        except QueryError as exc:
            return exc.explanation
        return ""

    def set_values(self, values: tuple[str, ...]) -> bool:
        self.edit.setText(join_list(values))
        return True

    def focus_widget(self) -> QWidget:
        return self.edit

    def _text_changed(self) -> None:
        count = len(self.values())
        self.count_label.setText(f"{count} value{'s' if count != 1 else ''}")
        self.changed.emit()

    def _fill_menu(self, menu: QMenu) -> None:
        menu.clear()
        current = set(self.values())
        for choice in self._choices:
            action = QAction(choice, menu)
            action.setCheckable(True)
            action.setChecked(choice in current)
            action.toggled.connect(lambda on, c=choice: self._toggle(c, on))
            menu.addAction(action)

    def _toggle(self, choice: str, on: bool) -> None:
        values = [v for v in self.values() if v != choice]
        if on:
            values.append(choice)
        self.set_values(tuple(values))


def split_list(text: str) -> tuple[str, ...]:
    """Comma-separated text -> values, by the filter grammar (double quotes protect commas)."""
    if not text.strip():
        return ()
    return tuple(v for v in parse_values(text) if v.strip() or v)


def join_list(values: tuple[str, ...] | list[str]) -> str:
    """Values -> the comma-separated text `split_list` reads back."""
    return ", ".join(
        encode_value(v) if any(c in v for c in ',"') or v != v.strip() else v for v in values
    )


def parse_iso_datetime(text: str) -> datetime | None:
    """`2026-08-01T10:00:00Z` (or with an offset, or a plain date) -> an aware UTC datetime."""
    value = text.strip().strip('"')
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += "T00:00:00"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def make_editor(
    field_type: FieldType,
    *,
    multiple: bool = False,
    choices: tuple[str, ...] = (),
    optional: bool = False,
    parent: QWidget | None = None,
    name: str = "",
) -> ValueEditor:
    """The editor that fits a type; `multiple` for the `in` operator; `optional` allows "no value";
    `name` is the field's (a `..._bytes` field takes size units)."""
    if multiple:
        return ListEditor(parent, choices=choices)
    if choices:
        return ChoiceEditor(choices, parent, optional=optional)
    if field_type is FieldType.BOOLEAN:
        return ChoiceEditor(("true", "false"), parent, optional=optional)
    if field_type in (FieldType.INTEGER, FieldType.NUMBER):
        return NumberEditor(
            parent,
            integer=field_type is FieldType.INTEGER,
            bytes_unit=name.endswith("bytes"),
        )
    if field_type is FieldType.DATE and not optional:
        return DateEditor(parent)
    if field_type is FieldType.DATETIME and not optional:
        return DateTimeEditor(parent)
    if field_type is FieldType.DATE:
        return TextEditor(parent, placeholder="YYYY-MM-DD")
    if field_type is FieldType.DATETIME:
        return TextEditor(parent, placeholder="YYYY-MM-DDTHH:MM:SSZ")
    if field_type is FieldType.UUID:
        return TextEditor(parent, placeholder="an id")
    return TextEditor(parent)


def make_editor_for_values(
    field_type: FieldType,
    values: tuple[str, ...],
    *,
    multiple: bool = False,
    choices: tuple[str, ...] = (),
    optional: bool = False,
    parent: QWidget | None = None,
    name: str = "",
) -> ValueEditor:
    """An editor showing `values`; falls back to plain text when they do not fit the typed one."""
    editor = make_editor(
        field_type, multiple=multiple, choices=choices, optional=optional, parent=parent, name=name
    )
    if editor.set_values(values):
        return editor
    editor.deleteLater()
    fallback: ValueEditor = (
        ListEditor(parent) if multiple or len(values) > 1 else TextEditor(parent)
    )
    fallback.set_values(values)
    return fallback


__all__ = [
    "ChoiceEditor",
    "DateEditor",
    "DateTimeEditor",
    "ListEditor",
    "TextEditor",
    "ValueEditor",
    "join_list",
    "make_editor",
    "make_editor_for_values",
    "parse_iso_datetime",
    "split_list",
]
