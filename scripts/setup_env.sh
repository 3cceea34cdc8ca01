#!/usr/bin/env bash
# Create (or reuse) the virtual environment .venv and install rl-hpo into it.
#
#   scripts/setup_env.sh            # the package and its core dependencies
#   scripts/setup_env.sh dev,ray    # plus extras (comma-separated): dev = test tools, ray = the Ray executor
#
# torch: the package accepts any torch >= 2.3, but an unpinned install from PyPI on Linux pulls a CUDA
# build of several GB. This script installs torch==$RL_HPO_TORCH_VERSION (default 2.13.0) first, which
# takes a CPU build where one is provided locally (pip's find-links) and otherwise PyPI's build for the
# platform. To force PyTorch's CPU wheels elsewhere, set
#   RL_HPO_TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# A torch already importable in the environment is kept as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
venv="${RL_HPO_VENV:-.venv}"
python="${PYTHON:-python3}"
torch_version="${RL_HPO_TORCH_VERSION:-2.13.0}"

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating virtual environment $venv"
    "$python" -m venv "$venv"
fi
# pip, quiet unless it fails (then its whole output is shown and the script stops)
pip_quiet() {
    local out
    if ! out=$("$venv/bin/python" -m pip --disable-pip-version-check -q "$@" 2>&1); then
        echo "$out" >&2
        return 1
    fi
}
"$venv/bin/python" -c 'import sys; assert sys.version_info >= (3, 11), "rl-hpo needs Python >= 3.11"'

if ! "$venv/bin/python" -c 'import torch' >/dev/null 2>&1; then
    echo "== installing torch==$torch_version"
    if [ -n "${RL_HPO_TORCH_INDEX_URL:-}" ]; then
        pip_quiet install "torch==$torch_version" --index-url "$RL_HPO_TORCH_INDEX_URL"
    else
        pip_quiet install "torch==$torch_version"
    fi
fi

target="."
[ -n "$extras" ] && target=".[$extras]"
echo "== installing rl-hpo ($target)"
pip_quiet install -e "$target"
"$venv/bin/python" -c 'import rl_hpo, torch; print(f"rl-hpo {rl_hpo.__version__} ready (torch {torch.__version__})")'
