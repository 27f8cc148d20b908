-- docker compose: one database per service, each owned by its own role, created when the volume is first made.
-- Development passwords only: this file is never used in production (see deploy/README.md).
CREATE ROLE report_it LOGIN PASSWORD 'report_it';
CREATE DATABASE report_it OWNER report_it;
CREATE ROLE footprints LOGIN PASSWORD 'footprints';
CREATE DATABASE footprints OWNER footprints;
CREATE ROLE volunteering LOGIN PASSWORD 'volunteering';
CREATE DATABASE volunteering OWNER volunteering;
