# Two commands do all set-up: `make run` (the app; `make run ARGS=--demo` offline) and `make test`.
# Each installs what a fresh machine lacks: Debian's libmpv2/mpv (apt-get, as root) and the
# Python dependencies into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=
PYTEST_ARGS ?=

.PHONY: run test bench lint system-deps test-system-deps clean

run: $(VENV)/.installed-run system-deps
	$(BIN)/anitui $(ARGS)

test: $(VENV)/.installed-test system-deps test-system-deps
	$(BIN)/ruff format --check app tests
	$(BIN)/ruff check app tests
	$(BIN)/mypy app tests
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test system-deps
	$(BIN)/python -m tests.bench

lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check app tests
	$(BIN)/ruff check app tests
	$(BIN)/mypy app tests

# Playback needs libmpv (in-process) and the mpv command (terminal video over SSH). As root
# they are installed; otherwise the exact command is printed and the app runs without playback,
# saying so.
system-deps:
	@if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libmpv\.so\.2' || ! command -v mpv >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing libmpv2 and mpv (apt-get)…"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libmpv2 mpv >/dev/null || \
	      echo "apt-get could not install libmpv2: playback will be unavailable."; \
	  else \
	    echo "libmpv2 or mpv is missing; playback will be limited until you run:"; \
	    echo "  sudo apt-get install -y libmpv2 mpv"; \
	  fi; \
	fi

# The terminal-video test drives the app in a real terminal: tmux.
test-system-deps:
	@if ! command -v tmux >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux >/dev/null; \
	  else \
	    echo "tmux is missing; the terminal-video test will be skipped until: sudo apt-get install -y tmux"; \
	  fi; \
	fi

$(VENV)/bin/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-run

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache
