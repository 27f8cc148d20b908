"""Open311 GeoReport v2 on Report IT: the public API third-party clients use, backed by the same intake."""
