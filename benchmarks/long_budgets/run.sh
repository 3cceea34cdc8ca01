#!/usr/bin/env bash
# Long budgets: the prior/gp policy (ppo, rl_hpo/data/policies/prior_gp), plain expected improvement over the same
# candidates (ei), Optuna's TPE and GP and random search with a budget of 100 evaluations, twice the budget of the
# other studies (the policy was trained on runs of 50 and plans each run by its budget). 10 seeds, validation splits
# (another split: a folder <suite>_<split>). The report gives the regret at 10, 25, 50 and 100.
#
#   benchmarks/long_budgets/run.sh synthetic/mixed
#   benchmarks/long_budgets/run.sh yahpo/lcbench
#   benchmarks/long_budgets/run.sh yahpo/rbv2_xgboost
#   benchmarks/long_budgets/run.sh synthetic/mixed --methods ppo,ei,tpe,gp,random,ppo_greedy50   # the rule's method
#   benchmarks/long_budgets/run.sh prior/gp train --methods ppo,ppo_greedy50 --seeds 3 --tasks 0,1,...,94
#
# With the six methods and --workers 2 on a 2-core machine: lcbench about 11 minutes, synthetic/mixed 29,
# rbv2_xgboost 35 (mostly Optuna's GP and TPE).
# ppo_greedy50 (long_methods.py) is the policy taking its most likely candidate from the 51st evaluation on.
# Raw results go to runs/long_budgets/<suite>/ (re-running resumes); the record to benchmarks/long_budgets/<suite>/.
# RUNS and RECORD (environment) move them (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
source benchmarks/bench_study.sh
study_setup long_budgets "$@"

rl-hpo bench --suite "$suite" --split "$split" --methods ppo,ei,tpe,gp,random --plugins long_methods \
  --policy rl_hpo/data/policies/prior_gp --budget 100 --seeds 10 --out "$runs/$name" "${options[@]}"

study_record
