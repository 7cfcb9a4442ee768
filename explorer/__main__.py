"""`python -m explorer` opens the window."""

from explorer.app import main

if __name__ == "__main__":
    raise SystemExit(main())
