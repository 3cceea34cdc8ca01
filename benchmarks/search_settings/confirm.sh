#!/usr/bin/env bash
# A confirmation run decided by the rule of pooled_decision.py, fixed before the run: every validation task of
# the four suites (10 seeds) and up to 95 train tasks per suite (5 seeds), the two splits side by side (one core
# each), then the pooled decision. Writes NAME_validation.{json,txt}, NAME_train.{json,txt} and
# NAME_decision.txt under OUT (default: this folder). Give fresh seeds with --first-seed (a seed range no
# earlier comparison of the same question used); other options go to both runs (e.g. --methods, or --suites,
# --max-tasks, --seeds for a quick look: later options win). RULE=no-worse decides by that rule of
# pooled_decision.py (default: better); ADOPT_ALPHA=P sets its --adopt-alpha (a second look at a question).
#
#   benchmarks/search_settings/confirm.sh NAME --variant a=1 --variant a=2 --first-seed S [options]
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
name=${1:?usage: confirm.sh NAME --variant ... --variant ... --first-seed S [options]}
shift
out=${OUT:-benchmarks/search_settings}
mkdir -p "$out"
run() {
  local split=$1
  shift
  python scripts/compare_search_settings.py "$@" --out "$out/${name}_$split.json" >"$out/${name}_$split.txt"
}
run validation --seeds 10 --max-tasks 64 "$@" &
validation=$!
run train --split train --seeds 5 --max-tasks 95 "$@"
wait "$validation"
cat "$out/${name}_validation.txt" "$out/${name}_train.txt"
python benchmarks/search_settings/pooled_decision.py --rule "${RULE:-better}" --adopt-alpha "${ADOPT_ALPHA:-0.05}" \
  "$out/${name}_validation.json" "$out/${name}_train.json" \
  | tee "$out/${name}_decision.txt"
