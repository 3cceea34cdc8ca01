#!/usr/bin/env bash
# Known search spaces: `ppo` with everything the package ships for the space (its greedy portfolio, built on
# the suite's train split, then its specialist policy, trained on the same split) against the portfolio
# continued by TPE, TPE and random search. Test split, 10 seeds per task, budget 50 (benchmarks/README.md).
#
#   benchmarks/known_spaces/run.sh yahpo/lcbench
#   benchmarks/known_spaces/run.sh yahpo/rbv2_xgboost
#
# Needs the YAHPO data folder (RL_HPO_YAHPO_DATA). Extra options pass through to rl-hpo bench (e.g.
# --workers 2); they do not change the results. Raw results go to runs/known_spaces/<suite>/; re-running
# resumes an interrupted run.
# RUNS and RECORD (environment) move the raw results and the recorded copy elsewhere (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
suite=${1:?usage: run.sh SUITE [rl-hpo bench options]}
shift
name=${suite//\//_}
runs=${RUNS:-runs}/known_spaces record=${RECORD:-benchmarks/known_spaces}

rl-hpo bench --suite "$suite" --split test --methods ppo,portfolio,tpe,random --budget 50 --seeds 10 \
  --out "$runs/$name" "$@"

# The recorded result: report, summary, plots, settings/provenance and the bounds behind every regret.
mkdir -p "$record/$name"
cp "$runs/$name"/{report.md,summary.csv,run.json,bounds.json,*.png} "$record/$name/"
