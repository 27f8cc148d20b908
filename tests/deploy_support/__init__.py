"""Helpers for the offline deployment checks in tests/test_deploy.py."""
