#!/usr/bin/env bash
# How often the in-episode GP re-estimates its hyperparameters once 12 points are known
# (SearchSettings.refit_every): every 4 evaluations (the default) or every one (as Optuna's GP does), for
# plain EI and the shipped general policy, on the validation splits (16 tasks per suite, 10 seeds) and the
# first 24 train tasks per suite (5 seeds), each paired with the default. Extra arguments go to both runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-benchmarks/search_settings}
mkdir -p "$out"
variants=(--variant refit_every=4 --variant refit_every=1)
python scripts/compare_search_settings.py "${variants[@]}" --seeds 10 --max-tasks 16 \
  --out "$out/refit_validation.json" "$@" | tee "$out/refit_validation.txt"
python scripts/compare_search_settings.py "${variants[@]}" --split train --seeds 5 --max-tasks 24 \
  --out "$out/refit_train.json" "$@" | tee "$out/refit_train.txt"
