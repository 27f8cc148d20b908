"""Outcomes: the Deal's measures over reports (reports per 1,000 residents, time to fix against target, backlog,
reopens, closures, channel shift), kept as monthly rollups that follow each report as it changes."""
