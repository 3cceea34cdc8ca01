#!/usr/bin/env bash
# Noisy objectives: synthetic/mixed on a [0, 1] scale with Gaussian noise of 5 or 10% of it (noisy_tasks.py), the
# noiseless score reported test-side. The policy trained on prior/gp only (rl_hpo/data/policies/prior_gp), plain EI,
# Optuna's TPE and GP and random search, validation split (16 tasks), 15 seeds, budget 50.
#
#   benchmarks/noisy_objectives/run.sh noisy/mixed-10
#   benchmarks/noisy_objectives/run.sh noisy/mixed-5
#
# Raw results go to runs/noisy_objectives/<suite>/ (re-running resumes); the record to
# benchmarks/noisy_objectives/<suite>/. RUNS and RECORD (environment) move them (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
source benchmarks/bench_study.sh
study_setup noisy_objectives "$@"

rl-hpo bench --suite "$suite" --split "$split" --methods ppo,ei,tpe,gp,random --plugins noisy_tasks \
  --policy rl_hpo/data/policies/prior_gp --budget 50 --seeds 15 --out "$runs/$name" "${options[@]}"

study_record
