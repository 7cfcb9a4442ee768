"""Fixtures that start the built-in sandbox (a real HTTP server on loopback)."""
