"""Footprints: a Deal Digital service."""
