"""Helpers for the offline deployment checks in tests/test_deploy.py and tests/test_deploy_field_app.py."""
