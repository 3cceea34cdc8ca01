#!/usr/bin/env bash
# A second start with noise for the GP's fits (SearchSettings(fit_starts="warm+noise"), noise_start.py): plain EI
# and the prior/gp policy (rl_hpo/data/policies/prior_gp) with and without it on a noisy suite, 5 seeds, budget 50;
# the noisy half of the rule fixed before its runs (README.md, "A second start with noise") reads both suites' train
# runs:
#
#   benchmarks/noisy_objectives/noise_start.sh noisy/mixed-5 train
#   benchmarks/noisy_objectives/noise_start.sh noisy/mixed-10 train
#   python benchmarks/noisy_objectives/noise_start_rule.py runs/noisy_objectives/noise_start_noisy_mixed-{5,10}_train
#
# VARIANT=noise_bound compares with an upper bound of 2 on the noise variance too ("An upper bound on the noise";
# noise_start_rule.py --variant noise_bound).
# VARIANT=lengthscale_bound adds a lower bound of 0.05 on the lengthscales ("A lower bound on the lengthscales").
#
# Raw results go to runs/noisy_objectives/<variant>_<suite>[_<split>]/ (re-running resumes); the record to
# benchmarks/noisy_objectives/ under the same name. RUNS and RECORD (environment) move them (a tiny run for tests).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
source benchmarks/bench_study.sh
study_setup noisy_objectives "$@"
variant=${VARIANT:-noise_start}
name=${variant}_$name

rl-hpo bench --suite "$suite" --split "$split" --methods "ppo,ei,ppo_$variant,ei_$variant" \
  --plugins noisy_tasks,noise_start --policy rl_hpo/data/policies/prior_gp --budget 50 --seeds 5 \
  --out "$runs/$name" "${options[@]}"

study_record
