"""The Defra fly-tipping return: a record per fly-tipping report, completed with the case, and the quarter's export."""
