"""Runs the app and reports when its first window is painted (the startup benchmark's child).

`python -m benchmarks.startup_probe [app arguments]` starts `explorer.app.main()` with
`QApplication` swapped for a subclass that watches every event: the first paint of a top-level
window prints `startup-shown <unix time>` and closes that window, so the app shuts down its own
way. The parent measures from just before
it spawned this process, so interpreter start-up and every import count.

The app needs no hook for this; the probe imports only the standard library and PySide6, which
the app imports anyway, so it adds nothing measurable itself.
"""

from __future__ import annotations

import sys
import time
from typing import Any

SHOWN_PREFIX = "startup-shown "


def install_probe() -> None:
    from PySide6 import QtCore, QtWidgets

    class FirstPaint(QtCore.QObject):
        def eventFilter(self, watched: Any, event: Any) -> bool:
            if (
                event.type() == QtCore.QEvent.Type.Paint
                and isinstance(watched, QtWidgets.QWidget)
                and watched.isWindow()
            ):
                print(f"{SHOWN_PREFIX}{time.time():.6f}", flush=True)
                app = QtWidgets.QApplication.instance()
                if app is not None:
                    app.removeEventFilter(self)
                QtCore.QTimer.singleShot(0, watched.close)
            return False

    class ProbedApplication(QtWidgets.QApplication):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._first_paint = FirstPaint()
            self.installEventFilter(self._first_paint)

    QtWidgets.QApplication = ProbedApplication  # type: ignore[misc]


def main() -> int:
    install_probe()
    from explorer.app import main as app_main

    sys.argv = ["explorer", *sys.argv[1:]]
    status = app_main()
    return int(status or 0)


if __name__ == "__main__":
    raise SystemExit(main())
