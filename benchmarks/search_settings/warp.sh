#!/usr/bin/env bash
# The in-episode GP's output warp (SearchSettings.warp): none (the default), yeo-johnson (a power transform
# fitted by maximum likelihood, as HEBO does) or copula (ranks to normal quantiles), for plain EI and the
# shipped general policy: on the validation splits (16 tasks per suite, 10 seeds) and, by cross-validation
# inside train, on the first 24 train tasks per suite (5 seeds). Each warp is paired with none (win rate,
# Wilcoxon p over tasks). Extra arguments go to both runs (e.g. --suites, --seeds, --max-tasks).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-benchmarks/search_settings}
mkdir -p "$out"
variants=(--variant warp=none --variant warp=yeo-johnson --variant warp=copula)
python scripts/compare_search_settings.py "${variants[@]}" --seeds 10 --max-tasks 16 \
  --out "$out/warp_validation.json" "$@" | tee "$out/warp_validation.txt"
python scripts/compare_search_settings.py "${variants[@]}" --split train --seeds 5 --max-tasks 24 \
  --out "$out/warp_train.json" "$@" | tee "$out/warp_train.txt"
