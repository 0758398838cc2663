# make demo: run the whole platform on this machine. make test: the whole suite.
# Both install what is missing first: Debian packages (as root), a venv, Asterisk.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := sip-tester baresip-core debootstrap chromium tcpdump
CONFIG ?= config/demo.yaml
SOFTPHONE := contactcenter/web/softphone
SOFTPHONE_JS := contactcenter/web/pages/static/softphone-sip.js \
	contactcenter/web/pages/static/softphone-twilio.js \
	contactcenter/web/pages/static/webcall.js
DASHBOARDS := contactcenter/web/dashboards
DASHBOARDS_JS := contactcenter/web/pages/static/charts.js

.PHONY: demo test system-deps venv asterisk lint bench clean screenshots dashboards

demo: system-deps venv asterisk softphone dashboards
	$(BIN)/contactcenter db seed --config $(CONFIG)
	$(BIN)/contactcenter serve --config $(CONFIG)

test: system-deps venv asterisk softphone dashboards
	$(BIN)/python -m pytest -q -p no:cacheprovider

system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "please install:$$missing (as root: apt-get install$$missing)"; exit 1; fi; \
	  echo "installing$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

asterisk: venv
	$(BIN)/contactcenter asterisk install --config $(CONFIG)

# The desktop's browser phones, each bundled by esbuild into one static module: the SIP
# phone (JsSIP) and the Twilio one (the Voice JavaScript SDK), all pinned by
# package-lock.json. npm ci runs only when the lock file changes, the bundles only when
# it or the sources do; node_modules stays in $(SOFTPHONE), ignored by git.
.PHONY: softphone
softphone: $(SOFTPHONE_JS)

$(SOFTPHONE)/node_modules/.installed: $(SOFTPHONE)/package.json $(SOFTPHONE)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing (as root: apt-get install npm)"; exit 1; }
	cd $(SOFTPHONE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# one build makes both bundles: the SIP phone (JsSIP) and the Twilio one (Voice SDK)
$(SOFTPHONE_JS) &: $(SOFTPHONE)/node_modules/.installed $(wildcard $(SOFTPHONE)/src/*.js)
	cd $(SOFTPHONE) && npm run --silent build

# The analytics pages' charts: Chart.js, pinned by package-lock.json, bundled by esbuild
# into one static module, the way the softphone is (npm ci when the lock file changes, the
# bundle when it or the source does; node_modules ignored by git).
dashboards: $(DASHBOARDS_JS)

$(DASHBOARDS)/node_modules/.installed: $(DASHBOARDS)/package.json $(DASHBOARDS)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing (as root: apt-get install npm)"; exit 1; }
	cd $(DASHBOARDS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(DASHBOARDS_JS): $(DASHBOARDS)/node_modules/.installed $(wildcard $(DASHBOARDS)/src/*.js)
	cd $(DASHBOARDS) && npm run --silent build

lint: venv
	$(BIN)/pip install -q -e '.[test,lint]'
	$(BIN)/ruff check contactcenter tests bench
	$(BIN)/mypy contactcenter
	$(BIN)/mypy --strict contactcenter/ivr
	$(BIN)/mypy --strict contactcenter/acd
	$(BIN)/mypy --strict contactcenter/scripting
	$(BIN)/mypy --strict contactcenter/calls
	$(BIN)/mypy --strict contactcenter/dialer
	$(BIN)/mypy --strict contactcenter/analytics

# docs/screenshots/: the desktop, the board and the wallboard on the demo with live calls;
# the analytics pages on the demo's seeded company (their browser test takes the pictures)
screenshots: system-deps venv asterisk dashboards
	$(BIN)/python -m tests.browser.screenshots
	CC_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/browser/test_analytics_pages.py -k screenshots

bench: venv
	$(BIN)/python bench/bench_ivr_core.py

clean:
	rm -rf $(VENV) var .pytest_cache $(SOFTPHONE)/node_modules $(SOFTPHONE_JS) \
		$(DASHBOARDS)/node_modules $(DASHBOARDS_JS)
