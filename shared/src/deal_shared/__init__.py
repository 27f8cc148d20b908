"""Deal Digital's shared contract package: imported by every service, runs nothing, imports no service."""
