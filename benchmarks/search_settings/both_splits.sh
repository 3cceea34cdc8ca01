#!/usr/bin/env bash
# One comparison of candidate-search settings on the two yardsticks of this folder: the validation splits
# (first 16 tasks per suite, 10 seeds) and, by cross-validation inside train, the first 24 train tasks per
# suite (5 seeds). Writes NAME_validation.{json,txt} and NAME_train.{json,txt} under OUT (default: this
# folder).
#
#   benchmarks/search_settings/both_splits.sh NAME --variant a=1 --variant a=2 [compare_search_settings options]
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
name=${1:?usage: both_splits.sh NAME --variant ... [options]}
shift
out=${OUT:-benchmarks/search_settings}
mkdir -p "$out"
python scripts/compare_search_settings.py --seeds 10 --max-tasks 16 "$@" \
  --out "$out/${name}_validation.json" | tee "$out/${name}_validation.txt"
python scripts/compare_search_settings.py --split train --seeds 5 --max-tasks 24 "$@" \
  --out "$out/${name}_train.json" | tee "$out/${name}_train.txt"
