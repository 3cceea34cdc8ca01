#!/usr/bin/env bash
# Unseen search spaces: the general policy rl_hpo/data/policies/prior_gp (trained on the prior/gp
# suite only, so every benchmark space here is one it never saw) against plain expected improvement over
# the same candidates (its starting rule), Optuna's TPE and GP, and random search. 10 seeds per task,
# budget 50 (benchmarks/README.md).
#
#   benchmarks/unseen_spaces/run.sh yahpo/lcbench              # the test split
#   benchmarks/unseen_spaces/run.sh yahpo/iaml_glmnet all      # a suite without a test split: every task
#   benchmarks/unseen_spaces/run.sh yahpo/lcbench validation   # -> yahpo_lcbench_validation/, the yardstick
#                                                              #    for choosing settings (never the test split)
#   benchmarks/unseen_spaces/run.sh yahpo/lcbench train        # -> yahpo_lcbench_train/ (cross-validation
#                                                              #    inside train where validation is small)
#
# Needs the YAHPO data folder (RL_HPO_YAHPO_DATA) for yahpo suites. Extra options after the split pass
# through to rl-hpo bench (e.g. --workers 2); they do not change the results. Raw results go to
# runs/unseen_spaces/<suite>/; re-running resumes an interrupted run.
# RUNS and RECORD (environment) move the raw results and the recorded copy elsewhere (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
suite=${1:?usage: run.sh SUITE [SPLIT] [rl-hpo bench options]}
shift
split=test
if [[ $# -gt 0 && $1 != -* ]]; then split=$1; shift; fi  # options may follow the suite directly
name=${suite//\//_}
runs=${RUNS:-runs}/unseen_spaces record=${RECORD:-benchmarks/unseen_spaces}
if [[ $split == validation || $split == train ]]; then name+=_$split; fi

rl-hpo bench --suite "$suite" --split "$split" --methods ppo,ei,tpe,gp,random \
  --policy rl_hpo/data/policies/prior_gp --budget 50 --seeds 10 --out "$runs/$name" "$@"

# The recorded result: report, summary, plots, settings/provenance and the bounds behind every regret.
mkdir -p "$record/$name"
cp "$runs/$name"/{report.md,summary.csv,run.json,bounds.json,*.png} "$record/$name/"
