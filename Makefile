# The two commands a newcomer needs: `make run` (scan the bundled sample) and `make test`.
# Both create .venv and install everything on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test test-all lint fuzz bench bench-quick browser redis screenshot clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,service,bench,ray,html]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/dedup scan data/sample

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

test-all: $(STAMP) browser
	$(BIN)/python -m pytest -q -m ''

lint: $(STAMP)
	$(BIN)/ruff check dedup tests benchmarks

# Fuzz the figure parser, the segmenter, normalisation and the diff (hypothesis, FUZZ_MINUTES long).
FUZZ_MINUTES ?= 3
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.run --minutes $(FUZZ_MINUTES)

# The HTML report's browser test renders it in Debian's headless Chromium; install it when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium for the browser test (apt-get)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

screenshot: $(STAMP) browser
	$(BIN)/python -m tests.browser docs/screenshot.png

# The index benchmark runs datasketch's MinHashLSH on Redis too; install Debian's redis-server when missing.
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing redis-server for the index benchmark (apt-get)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server >/dev/null; }

bench: $(STAMP) redis
	$(BIN)/python -m benchmarks.run --full

bench-quick: $(STAMP) redis
	$(BIN)/python -m benchmarks.run --quick

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
