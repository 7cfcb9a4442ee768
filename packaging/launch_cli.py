"""Entry script of the frozen `explorer-cli` executable (a console program on every platform)."""

import multiprocessing

from explorer.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())
