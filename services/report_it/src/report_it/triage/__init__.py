"""Triage: the office's queue of new and reopened reports, and the actions officers take on them."""
