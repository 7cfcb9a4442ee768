"""The Qt-free core: profiles, secrets, auth, the rate governor, paging, catalog, queries, export.

Nothing here imports PySide6, qasync or explorer.ui (ruff's banned-api rule enforces it), so the CLI,
the tests and the benchmarks use it directly.
"""
