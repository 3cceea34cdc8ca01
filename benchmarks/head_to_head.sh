#!/usr/bin/env bash
# Head to head on a suite's test split (benchmarks/README.md): every method, 10 seeds per dataset, budget 50
# full-fidelity-equivalent evaluations. `ppo` runs the suite's shipped specialist alone (rl_hpo/data/policies/
# <scenario>, given as a folder, so without the portfolio that `--policy default` would evaluate first;
# benchmarks/known_spaces/ measures that combination).
#
#   benchmarks/head_to_head.sh yahpo/lcbench        # -> benchmarks/lcbench_head_to_head/
#   benchmarks/head_to_head.sh yahpo/rbv2_xgboost   # -> benchmarks/rbv2_xgboost_head_to_head/
#
# Needs the YAHPO data folder (RL_HPO_YAHPO_DATA, or pass --yahpo-data PATH). Extra options pass through
# (e.g. --workers 8, --executor ray); they do not change the results. Raw results (cells/, trials.csv) go to
# runs/<scenario>_head_to_head/; re-running resumes an interrupted run.
# RUNS and RECORD (environment) move the raw results and the recorded copy elsewhere (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/./usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/.."
suite=${1:?usage: head_to_head.sh SUITE [rl-hpo bench options]}
shift
scenario=${suite##*/}
study=${scenario}_head_to_head
runs=${RUNS:-runs} record=${RECORD:-benchmarks}

rl-hpo bench --suite "$suite" --split test \
  --methods ppo,portfolio,tpe,gp,cmaes,random,hyperband,bohb --budget 50 --seeds 10 \
  --policy "rl_hpo/data/policies/$scenario" --out "$runs/$study" "$@"

# The recorded result: report, summary, plots, settings/provenance and the bounds behind every regret.
mkdir -p "$record/$study"
cp "$runs/$study"/{report.md,summary.csv,run.json,bounds.json,*.png} "$record/$study/"
