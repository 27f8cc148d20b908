"""The chaos run: the three services and Report IT's worker on a PostgreSQL cluster of their own, driven by retrying
clients while processes are killed and the database restarted, then checked from the databases and the clients' logs.

`python -m tests.chaos --reports 2000` runs it (`make chaos`); tests/test_chaos.py runs it small under `make test`."""
