# Evidencia — `make demo` to try it, `make test` to check it. Both set everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= var/demo
DEMO_PASSWORD ?= evidencia-demo
SEEDS ?= ../shared/seeds

.PHONY: demo test lint typecheck unit bench eval eval-baseline docs install clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (tests/e2e), installed once: Playwright drives it and
# never downloads a browser. Without apt-get (not Debian) those tests are skipped, except in CI.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif ! command -v apt-get >/dev/null; then \
	  echo "no apt-get here: install Chromium as /usr/bin/chromium for tests/e2e"; \
	else \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  echo "installing Debian's chromium for the browser tests"; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
	    || echo "could not install chromium: tests/e2e will be skipped (and fail in CI)"; \
	fi

demo: $(STAMP)
	$(BIN)/python demo/build.py
	$(BIN)/evidencia ingest --home $(DEMO_HOME) --manifest demo/corpus/manifest.yaml
	@if [ -d "$(SEEDS)" ]; then \
	  $(BIN)/evidencia ingest --home $(DEMO_HOME) --manifest demo/seeds.yaml; \
	else echo "($(SEEDS) not found: the two seed documents are skipped)"; fi
	$(BIN)/evidencia embed --home $(DEMO_HOME)
	$(BIN)/evidencia tag --home $(DEMO_HOME)
	$(BIN)/evidencia docs --home $(DEMO_HOME)
	@for q in '"Free in, Free out"' 'firewall* AND police' 'aide médicale urgente' 'Kinder in Abschiebungshaft' 'regularisation OR regularización OR regolarizzazione'; do \
	  echo; echo "\$$ evidencia search $$q --limit 3"; \
	  $(BIN)/evidencia search --home $(DEMO_HOME) --limit 3 "$$q"; \
	done
	@echo; echo '$$ evidencia analyze  (text on standard input)'
	@echo "Les Pays-Bas et l'Espagne appliquent la directive 2012/29/UE (A/RES/76/172, para. 4(b))." | $(BIN)/evidencia analyze
	@echo; echo "Data directory: $(DEMO_HOME). Try: $(BIN)/evidencia search --home $(DEMO_HOME) 'your words'"
	@echo '$(DEMO_PASSWORD)-local' | $(BIN)/evidencia user add demo@localhost --role admin --password-stdin --home $(DEMO_HOME) >/dev/null 2>&1 \
	  || echo '$(DEMO_PASSWORD)-local' | $(BIN)/evidencia user password demo@localhost --password-stdin --home $(DEMO_HOME) >/dev/null
	@echo; echo "Demo login: demo@localhost / $(DEMO_PASSWORD)-local (a demo account of this data directory only)"
	$(BIN)/evidencia serve --home $(DEMO_HOME)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench demo tools
	$(BIN)/ruff format --check src tests bench demo tools

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) browser
	$(BIN)/python demo/build.py  # the search quality gate runs on the demo corpus
	$(BIN)/pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/ingest_throughput.py
	$(BIN)/python bench/enrich_throughput.py
	$(BIN)/python bench/embed_throughput.py
	$(BIN)/python bench/search_scale.py
	$(BIN)/python bench/tag_throughput.py

eval: $(STAMP)
	$(BIN)/evidencia evaluate --misses

eval-baseline: $(STAMP)
	$(BIN)/evidencia evaluate --update-baseline

docs: $(STAMP)
	$(BIN)/typer evidencia.cli utils docs --name evidencia --output docs/cli.md

clean:
	rm -rf $(VENV) var build *.egg-info
