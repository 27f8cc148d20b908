# The two commands: `make run` (everything, embedded SQLite, demo data) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MEMBERS := requirements.lock requirements-test.txt shared/pyproject.toml services/report_it/pyproject.toml services/footprints/pyproject.toml services/volunteering/pyproject.toml

.PHONY: run test lint install chromium screenshots identity-provider manifests chaos fixmystreet-check lock images

install: $(STAMP)

$(STAMP): $(MEMBERS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation \
		-e shared -e services/report_it -e services/footprints -e services/volunteering
	$(PY) -m pip check
	touch $(STAMP)

run: $(STAMP)
	$(PY) scripts/run.py

test: $(STAMP) chromium identity-provider
	$(PY) -m pytest -q

# The chaos run at N=2,000 (README, "Chaos test"); `make test` runs it at 300. Exits 1 if an invariant failed.
chaos: $(STAMP)
	$(PY) -m tests.chaos --reports 2000

# The README's screenshots, taken by the browser tests (which otherwise write them under var/screenshots).
screenshots: $(STAMP) chromium
	DEAL_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(PY) -m pytest -q tests/e2e

# The field app's browser tests drive Debian's Chromium (Playwright's own browser downloads are not used).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "could not install chromium: the browser tests cannot run" >&2

# The OpenID provider the tests start in place of the council's (oidc-provider under Node), from its lock file.
identity-provider: tests/oidc/node_modules/.package-lock.json

tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --silent

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# One release's manifests: make manifests OVERLAY=staging [TAG=<tag, default the commit>] [REGISTRY=<registry>]
manifests: $(STAMP)
	$(PY) scripts/release_manifests.py $(or $(OVERLAY),staging) $(if $(TAG),--tag $(TAG)) \
		$(if $(REGISTRY),--registry $(REGISTRY)) --out release.yaml

# requirements.lock: every Python dependency (members, their builds, the tests) pinned with hashes, via pip-tools.
lock:
	$(PYTHON) -m venv var/lock-tools && var/lock-tools/bin/pip install -q pip-tools
	var/lock-tools/bin/python scripts/lock.py --pip-compile var/lock-tools/bin/pip-compile

# The three images (Podman or Docker) tagged with the commit (or TAG), on a base by digest (BASE, else built with
# mmdebstrap), each checked healthy; their SBOMs in var/images/.
images: $(STAMP)
	$(PY) scripts/build_images.py $(if $(TAG),--tag $(TAG)) $(if $(BASE),--base $(BASE))

# FixMyStreet's own Open311 client against Report IT (docs/fixmystreet-check.md):
# make fixmystreet-check FIXMYSTREET_SOURCE=<a FixMyStreet checkout>. Its Perl modules come from Debian.
FIXMYSTREET_PERL := libmoo-perl libmoox-types-mooselike-perl libxml-simple-perl libdatetime-format-w3cdtf-perl \
	libpath-tiny-perl libtry-tiny-perl libwww-perl liburi-perl

fixmystreet-check: $(STAMP)
	@test -f "$(FIXMYSTREET_SOURCE)/perllib/Open311.pm" || { echo "FIXMYSTREET_SOURCE=<checkout> is needed" >&2; exit 2; }
	apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$(FIXMYSTREET_PERL) >/dev/null
	FIXMYSTREET_SOURCE=$(abspath $(FIXMYSTREET_SOURCE)) $(PY) -m pytest -q -rs tests/fixmystreet
