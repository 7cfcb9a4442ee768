"""Exit statuses shared by every `explorer-cli` command (documented in the README).

A module of its own so the entry point (explorer/cli.py) and the command modules it loads
(explorer/exporting/cli.py, explorer/sandbox/cli.py) agree without importing each other.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_API = 4
EXIT_NETWORK = 5
EXIT_FAILED = 6  # export could not be completed for another reason (disk full, pagination error)
EXIT_INTERRUPTED = 130
