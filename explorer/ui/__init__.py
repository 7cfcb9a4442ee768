"""The window: PySide6 widgets and models over explorer.core, on one qasync event loop."""

# Importing any window module first installs the guard against PySide6 builds that drop
# references to None/True (see async_utils.guard_pyside_refcount_bugs); it is a no-op elsewhere.
from explorer.ui import async_utils as _async_utils  # noqa: F401
