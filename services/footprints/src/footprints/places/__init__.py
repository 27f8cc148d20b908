"""Places: wards and footprints, their boundaries, and point location."""
