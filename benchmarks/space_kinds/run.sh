#!/usr/bin/env bash
# Kinds of search space the benchmark suites hardly hold (space_kinds.py): all categorical (NAS-like), wide
# categorical with floats, and a choice of model with conditional parameters. The policy trained on prior/gp only
# (rl_hpo/data/policies/prior_gp), plain EI, Optuna's TPE and GP and random search, test split (10 tasks), 10 seeds,
# budget 50.
#
#   benchmarks/space_kinds/run.sh kinds/nas --workers 2
#   benchmarks/space_kinds/run.sh kinds/wide_categorical --workers 2
#   benchmarks/space_kinds/run.sh kinds/conditional --workers 2
#   benchmarks/space_kinds/run.sh kinds/conditional validation --methods ppo,ei,tpe,random --workers 2
#                                  # the second sample of 20 functions (-> kinds_conditional_validation/)
#   benchmarks/space_kinds/run.sh kinds/conditional train --methods ei,ei_pooled,tpe,random \
#       --plugins space_kinds,pooled --seeds 3 --workers 2
#                                  # pooled lengthscales and the choice of model, on the third sample of 200
#                                  # functions (-> kinds_conditional_train/)
#   RECORD=benchmarks/space_kinds/capped benchmarks/space_kinds/run.sh kinds/conditional train \
#       --methods ei,ei_capped,tpe,random --plugins space_kinds,capped --seeds 3 --workers 2
#                                  # an upper bound on the lengthscales instead (-> capped/kinds_conditional_train/)
#
# Raw results go to runs/space_kinds/<suite>/ (re-running resumes); the record to benchmarks/space_kinds/<suite>/.
# RUNS and RECORD (environment) move them (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
source benchmarks/bench_study.sh
default_split=test
study_setup space_kinds "$@"

rl-hpo bench --suite "$suite" --split "$split" --methods ppo,ei,tpe,gp,random --plugins space_kinds \
  --policy rl_hpo/data/policies/prior_gp --budget 50 --seeds 10 --out "$runs/$name" "${options[@]}"

study_record
