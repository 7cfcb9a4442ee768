"""Fixtures that give tests a real keyring backend that keeps secrets in memory."""
