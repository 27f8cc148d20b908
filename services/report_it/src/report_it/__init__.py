"""Report IT: categories, reports with photos and location, and the public APIs over them."""
