"""Entry script of the frozen `explorer` executable (the window; `--smoke` checks the bundle)."""

import multiprocessing

from explorer.app import main

if __name__ == "__main__":
    # A frozen app re-runs its own executable for child processes (the demo's sandbox).
    multiprocessing.freeze_support()
    raise SystemExit(main())
