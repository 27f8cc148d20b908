"""Test support: a PostgreSQL server to test against, and services served over real HTTP."""
