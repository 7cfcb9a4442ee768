"""The first page a new user sees: four ways to start, each one click away."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from explorer import __version__


class _Card(QFrame):
    """A clickable panel with a title, a line of explanation and a button."""

    clicked = Signal()

    def __init__(self, title: str, text: str, button: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setMinimumWidth(300)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(8)
        heading = QLabel(f"<b>{title}</b>", self)
        heading.setStyleSheet("font-size: 13pt;")
        body = QLabel(text, self)
        body.setWordWrap(True)
        body.setProperty("role", "hint")
        self.button = QPushButton(button, self)
        self.button.clicked.connect(self.clicked)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        layout.addWidget(heading)
        layout.addWidget(body, 1)
        layout.addLayout(row)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class WelcomePage(QWidget):
    """Start here: connect to ScalePad, Scout or any OpenAPI API, or try the offline demo.

    Signals:
        scalepad_requested(), scout_requested(), openapi_requested(), demo_requested():
            the user picked one of the four ways in.
    """

    scalepad_requested = Signal()
    scout_requested = Signal()
    openapi_requested = Signal()
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Welcome to Explorer", self)
        title.setProperty("role", "title")
        subtitle = QLabel(
            "Browse a REST API as tables: pick an endpoint, filter and sort on the server, "
            "follow related records, fetch every page and export to CSV.",
            self,
        )
        subtitle.setProperty("role", "subtitle")
        subtitle.setWordWrap(True)
        self.scalepad = _Card(
            "Connect to ScalePad",
            "Core, Lifecycle Manager and Quoter with an API key created in ScalePad's API "
            "settings (its user needs Administrator rights).",
            "Add API key…",
            self,
        )
        self.scout = _Card(
            "Connect to Scout",
            "Work orders, units, stations and users, signing in with the username and password "
            "of an HQ user that has API access.",
            "Sign in…",
            self,
        )
        self.openapi = _Card(
            "Any OpenAPI API",
            "Read an OpenAPI 3 document (a file or a URL) and browse the API it describes.",
            "Choose document…",
            self,
        )
        self.demo = _Card(
            "Try the offline demo",
            "A built-in server with realistic ScalePad and Scout data, on this computer. "
            "Nothing leaves the machine.",
            "Start the demo",
            self,
        )
        self.demo.button.setDefault(True)
        self.status = QLabel(self)
        self.status.setProperty("role", "hint")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        for card, signal in (
            (self.scalepad, self.scalepad_requested),
            (self.scout, self.scout_requested),
            (self.openapi, self.openapi_requested),
            (self.demo, self.demo_requested),
        ):
            card.clicked.connect(signal)
        grid = QGridLayout()
        grid.setSpacing(16)
        grid.addWidget(self.scalepad, 0, 0)
        grid.addWidget(self.scout, 0, 1)
        grid.addWidget(self.openapi, 1, 0)
        grid.addWidget(self.demo, 1, 1)
        column = QVBoxLayout()
        column.setSpacing(12)
        column.addStretch(1)
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addSpacing(12)
        column.addLayout(grid)
        column.addWidget(self.status)
        version = QLabel(f"Explorer {__version__}", self)
        version.setProperty("role", "hint")
        column.addStretch(2)
        column.addWidget(version, 0, Qt.AlignmentFlag.AlignRight)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 12)
        outer.addStretch(1)
        outer.addLayout(column, 6)
        outer.addStretch(1)

    def set_busy(self, text: str) -> None:
        """Disable the cards while something starts (e.g. the demo server); "" re-enables them."""
        for card in (self.scalepad, self.scout, self.openapi, self.demo):
            card.setEnabled(not text)
        self.status.setText(text)
