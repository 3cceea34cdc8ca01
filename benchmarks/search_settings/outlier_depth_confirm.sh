#!/usr/bin/env bash
# Confirms or rejects a shallower cap on how deep the outliers warp lets an outlier lie (outlier_depth=8 against
# the default 20, which no score of the suites reaches) for plain EI and the general policy, by the no-worse rule of
# pooled_decision.py: the cap mends a defect that the suites do not show (a huge penalty that a user's objective
# returns for a failed configuration, benchmarks/heavy_tails/penalty.sh), so here it only has to do no harm
# (confirm.sh: every validation task, up to 95 train tasks per suite, with yahpo/iaml_glmnet's train tasks beside
# the four suites: its AUCs put degenerate models deepest), on seeds from 16000 on, which no earlier comparison
# used. The rule, with the second condition of a gain under the penalty, is in benchmarks/heavy_tails/README.md.
# Extra arguments go to both runs (e.g. --suites, --max-tasks, --seeds for a quick look).
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=no-worse exec benchmarks/search_settings/confirm.sh outlier_depth_confirm \
  --suites yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed,prior/gp,yahpo/iaml_glmnet \
  --variant outlier_depth=20 --variant outlier_depth=8 --first-seed 16000 "$@"
