"""Command-line export: `explorer-cli export` and `explorer-cli endpoints` (see exporting/cli.py)."""
