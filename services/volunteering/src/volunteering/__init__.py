"""Volunteering: a Deal Digital service."""
