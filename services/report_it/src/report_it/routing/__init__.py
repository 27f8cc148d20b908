"""Routing rules: on submission, the first matching rule acknowledges a report at once or holds it for triage,
and may set its priority. Admins edit the rules; every change is audited; a preview replays a rule on past reports."""
