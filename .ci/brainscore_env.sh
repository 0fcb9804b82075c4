#!/usr/bin/env bash
# Build .venv-brainscore: brainscore-vision (numpy<2, xarray 2022.x) plus neurovision installed
# without its dependencies, so the Brain-Score interoperability tests (tests_brainscore/) can run
# next to the core environment. Idempotent: stamps in the venv record each finished step.
#
#   bash .ci/brainscore_env.sh            # build (or confirm) the environment; prints its python
#
# Set-up log: .venv-brainscore/install.log. BS_INSTALL_DEPENDENCIES=no keeps brainscore from
# pip-installing plugin requirements at run time (there is no network but the package registries).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${BRAINSCORE_VENV:-.venv-brainscore}"
LOG="$VENV/install.log"
CONSTRAINTS="constraints-brainscore.txt"
export BS_INSTALL_DEPENDENCIES=no

step() { echo "[brainscore-env] $*"; }

if [ ! -f "$VENV/.stamp-venv" ]; then
  step "creating $VENV"
  "$PYTHON" -m venv "$VENV"
  touch "$VENV/.stamp-venv"
fi
PIP="$VENV/bin/python -m pip --disable-pip-version-check"

# 1. brainscore-vision with torch/torchvision pinned to the core environment's build (~80 s).
if [ ! -f "$VENV/.stamp-brainscore" ] || [ "$CONSTRAINTS" -nt "$VENV/.stamp-brainscore" ]; then
  step "installing torch, torchvision, brainscore-vision (log: $LOG)"
  $PIP install -c "$CONSTRAINTS" torch==2.14.1 torchvision==0.29.1 brainscore-vision >>"$LOG" 2>&1 \
    || { tail -n 30 "$LOG"; exit 1; }
  # freeze what brainscore brought: later installs must not move numpy, xarray, scikit-learn, ...
  $PIP freeze --exclude-editable | grep -v -E '^(-e |neurovision)' > "$VENV/frozen-constraints.txt"
  touch "$VENV/.stamp-brainscore"
fi

# 2. neurovision (no dependencies) and those of its imports brainscore's env lacks, under the freeze.
if [ ! -f "$VENV/.stamp-neurovision" ] || [ setup.cfg -nt "$VENV/.stamp-neurovision" ] \
    || [ "$VENV/.stamp-brainscore" -nt "$VENV/.stamp-neurovision" ]; then
  step "installing neurovision (--no-deps) and its missing dependencies"
  $PIP install -c "$CONSTRAINTS" -c "$VENV/frozen-constraints.txt" \
    pooch h5py tqdm pillow protobuf tensorboard matplotlib scipy pandas pytest >>"$LOG" 2>&1 \
    || { tail -n 30 "$LOG"; exit 1; }
  $PIP install --no-deps -e . >>"$LOG" 2>&1 || { tail -n 30 "$LOG"; exit 1; }
  $PIP install --no-deps nudity==0.2.3 >>"$LOG" 2>&1 || { tail -n 30 "$LOG"; exit 1; }
  touch "$VENV/.stamp-neurovision"
fi

"$VENV/bin/python" - <<'PY'
import importlib.metadata as md, numpy, xarray, torch, brainscore_vision, neurovision
print(f"[brainscore-env] ok: numpy {numpy.__version__}, xarray {xarray.__version__}, torch {torch.__version__}, "
      f"brainscore_vision {md.version('brainscore-vision')}, neurovision {neurovision.__version__}")
PY
