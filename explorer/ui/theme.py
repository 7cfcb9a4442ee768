"""The look of the window: style, a few colors that carry meaning, icons from the bundled resources.

Colors are chosen to stay readable on both light and dark system palettes: badges and statuses
use saturated mid-tones with white text; everything else follows the system palette.
"""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleHintReturn,
    QStyleOption,
    QWidget,
)

from explorer.resources import resource

log = logging.getLogger(__name__)

#: Badge colors for HTTP methods (REST convention: GET blue, POST green, PUT/PATCH amber, DELETE red).
METHOD_COLORS: dict[str, str] = {
    "GET": "#2f6fce",
    "POST": "#2e8b57",
    "PUT": "#b7791f",
    "PATCH": "#b7791f",
    "DELETE": "#c0392b",
}
DEFAULT_METHOD_COLOR = "#6b7280"

SUCCESS_COLOR = "#2e8b57"
WARNING_COLOR = "#b7791f"
ERROR_COLOR = "#c0392b"
MUTED_COLOR = "#6b7280"


def method_color(method: str) -> QColor:
    return QColor(METHOD_COLORS.get(method.upper(), DEFAULT_METHOD_COLOR))


def status_color(status: int | None) -> QColor:
    """The color of an HTTP status in the request log (None: no response, a network error)."""
    if status is None or status >= 500 or status in (401, 402, 403):
        return QColor(ERROR_COLOR)
    if status == 429 or status >= 400:
        return QColor(WARNING_COLOR)
    if status >= 300:
        return QColor(MUTED_COLOR)
    return QColor(SUCCESS_COLOR)


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


_STYLE_SHEET = """
QToolBar { spacing: 6px; padding: 3px 6px; }
QStatusBar QLabel { padding: 0 6px; }
QTabBar::tab { padding: 5px 12px; }
QLineEdit[role="search"] { padding: 4px 6px; }
QLabel[role="hint"] { color: palette(placeholder-text); }
QLabel[role="warning"] { color: %(warning)s; }
QLabel[role="error"] { color: %(error)s; }
QLabel[role="ok"] { color: %(success)s; }
QLabel[role="title"] { font-size: 20pt; font-weight: 600; }
QLabel[role="subtitle"] { color: palette(placeholder-text); font-size: 11pt; }
QFrame[role="card"] {
    border: 1px solid palette(mid); border-radius: 8px; background: palette(base);
}
QFrame[role="card"]:hover { border-color: palette(highlight); }
QFrame[role="banner"] {
    border: 1px solid %(warning)s; border-radius: 6px; padding: 4px;
}
"""


class ExplorerStyle(QProxyStyle):
    """Fusion without icons on dialog buttons (OK had none while Cancel showed a red X)."""

    def styleHint(
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        returnData: QStyleHintReturn | None = None,
    ) -> int:
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 0
        return super().styleHint(hint, option, widget, returnData)


def apply_theme(app: QApplication) -> None:
    """Fusion (consistent on every platform, follows the system's light or dark palette)."""
    app.setStyle(ExplorerStyle("Fusion"))
    app.setStyleSheet(
        _STYLE_SHEET % {"warning": WARNING_COLOR, "error": ERROR_COLOR, "success": SUCCESS_COLOR}
    )
    app.setWindowIcon(icon("explorer"))


def icon(name: str) -> QIcon:
    """A bundled icon, e.g. "toolbar/run" for resources/icons/toolbar/run.svg (or .png).

    The toolbar icons are drawn in one dark ink; on a dark palette they are re-inked in the
    palette's text color so they stay visible. A missing icon gives an empty QIcon: an icon is
    decoration, never a reason to fail.
    """
    ink = None
    if name.startswith("toolbar/") and is_dark():
        ink = QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()
    return _icon(name, ink)


@cache
def _icon(name: str, ink: str | None) -> QIcon:
    *folders, stem = name.split("/")
    for suffix in (".svg", ".png"):
        node = resource("icons", *folders, stem + suffix)
        try:
            if not node.is_file():
                continue
            data = node.read_bytes()
        except OSError as exc:
            log.debug("icon %s unreadable: %s", name, exc)
            continue
        pixmap = QPixmap()
        if pixmap.loadFromData(data):
            return QIcon(_inked(pixmap, ink) if ink else pixmap)
    return QIcon()


def _inked(pixmap: QPixmap, color: str) -> QPixmap:
    """The same shape, every opaque pixel in `color`."""
    result = QPixmap(pixmap.size())
    result.fill(Qt.GlobalColor.transparent)
    painter = QPainter(result)
    painter.drawPixmap(0, 0, pixmap)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(result.rect(), QColor(color))
    painter.end()
    return result


def badge_text_color() -> QColor:
    return QColor(Qt.GlobalColor.white)


def restyle(widget: QWidget) -> None:
    """Apply the style sheet again after a dynamic property it matches (e.g. `role`) changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
