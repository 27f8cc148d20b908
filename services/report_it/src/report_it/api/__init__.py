"""Report IT's HTTP routes, thin over the service modules."""
