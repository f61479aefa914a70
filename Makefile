# casereview: `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
BUILD := src/casereview/web/static/build
ROOT_ASSETS := src/casereview/web/static/root/assets
STATIC := $(BUILD)/casereview.css $(BUILD)/govuk-frontend.min.js $(ROOT_ASSETS)/manifest.json
# The Welsh catalogue (docs/welsh.md): the .po is committed, the .mo built from it here.
WELSH := src/casereview/locale/cy/LC_MESSAGES/django
PYTEST_WORKERS ?= 2
export CASEREVIEW_HOME := $(CURDIR)

.PHONY: setup run test lint check messages gettext bench bench-import bench-sample bench-review bench-report bench-links bench-web bench-hostile bench-journal clean

setup: gettext $(INSTALLED) $(STATIC) $(WELSH).mo

# GNU gettext builds the Welsh catalogue (msgfmt) and checks it (makemessages runs xgettext and msgmerge): say
# so first, rather than fail later with a bare "command not found".
gettext:
	@command -v msgfmt >/dev/null 2>&1 || { echo "make: GNU gettext is needed and msgfmt was not found: install it (Debian/Ubuntu: sudo apt-get install gettext; macOS: brew install gettext)" >&2; exit 1; }

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BUILD)/casereview.css: $(NODE_INSTALLED) src/casereview/web/frontend/casereview.scss
	mkdir -p $(BUILD)
	node_modules/.bin/sass --quiet --load-path=node_modules --style=compressed --no-source-map \
		src/casereview/web/frontend/casereview.scss $@

$(BUILD)/govuk-frontend.min.js: $(NODE_INSTALLED)
	mkdir -p $(BUILD)
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map $(BUILD)/

$(ROOT_ASSETS)/manifest.json: $(NODE_INSTALLED)
	mkdir -p $(ROOT_ASSETS)
	cp -r node_modules/govuk-frontend/dist/govuk/assets/images node_modules/govuk-frontend/dist/govuk/assets/manifest.json $(ROOT_ASSETS)/

$(WELSH).mo: $(WELSH).po
	msgfmt --check-format -o $@ $<

# Fails when a marked string is untranslated (or fuzzy) in the Welsh catalogue, or the catalogue is stale (then
# it is left updated, to translate and commit); then compiles it.  casereview.web.language.catalogue says how.
messages: gettext $(INSTALLED)
	$(BIN)/python -m casereview.web.language.catalogue

run: setup
	$(BIN)/casereview migrate
	$(BIN)/casereview demo-load
	$(BIN)/casereview serve --host 127.0.0.1 --port 8000

lint: $(INSTALLED)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check --quiet src tests bench
	$(BIN)/mypy src/casereview
	$(BIN)/lint-imports

# The edit-test loop, in well under a minute: lint, types, contracts and the unit tests (no database,
# no browser). `make test` is still what says the work is done.
check: lint
	$(BIN)/pytest -p no:cacheprovider -q tests/unit

# Every test on SQLite; then every database test again on PostgreSQL when
# CASEREVIEW_TEST_POSTGRES_URL names a server (.ci/run starts one).
test: setup lint messages
	$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider
	@if [ -n "$$CASEREVIEW_TEST_POSTGRES_URL" ]; then \
		echo "== database tests again on PostgreSQL =="; \
		DATABASE_URL="$$CASEREVIEW_TEST_POSTGRES_URL" $(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider -m "not browser" tests/web; \
	elif [ "$$CASEREVIEW_REQUIRE_ALL" = "1" ]; then \
		echo "CASEREVIEW_REQUIRE_ALL=1 but CASEREVIEW_TEST_POSTGRES_URL is not set: the PostgreSQL pass cannot run"; exit 1; \
	else \
		echo "(PostgreSQL pass not run: set CASEREVIEW_TEST_POSTGRES_URL to run it, as .ci/run does)"; \
	fi

bench: bench-import bench-sample bench-review bench-report bench-links bench-hostile bench-journal bench-web

bench-import: setup
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/update_readme.py

bench-sample: setup
	$(BIN)/python bench/bench_sample.py
	$(BIN)/python bench/update_readme.py

bench-review: setup
	$(BIN)/python bench/bench_review.py
	$(BIN)/python bench/update_readme.py

bench-report: setup
	$(BIN)/python bench/bench_report.py
	$(BIN)/python bench/update_readme.py

bench-links: setup
	$(BIN)/python bench/bench_links.py
	$(BIN)/python bench/update_readme.py

bench-hostile: setup
	$(BIN)/python bench/bench_hostile.py
	$(BIN)/python bench/update_readme.py

bench-journal: setup
	$(BIN)/python bench/bench_journal.py
	$(BIN)/python bench/update_readme.py

bench-web: setup
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_web.py --big-rows 0 --think 5-15 --out web-paced.json
	$(BIN)/python bench/update_readme.py

clean:
	rm -rf $(VENV) node_modules $(BUILD) $(ROOT_ASSETS) var
