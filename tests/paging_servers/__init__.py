"""Loopback list servers that page the way real APIs do (tests/core/test_paging_styles.py)."""
