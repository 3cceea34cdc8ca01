#!/usr/bin/env bash
# Confirms or rejects the outliers warp with the median of the distinct scores (warp=outliers-distinct) against the
# default (warp=outliers) for plain EI and the general policy, by the no-worse rule of pooled_decision.py: it mends
# a defect the suites do not show (a penalty shared by more than half of the scores, which the median of them all
# cannot count as an outlier; benchmarks/heavy_tails/penalty_distinct.sh), so here it only has to do no harm
# (confirm.sh: every validation task, up to 95 train tasks per suite, with yahpo/iaml_glmnet's train tasks beside the
# four suites), on seeds from 19000 on, which no earlier comparison used. The rule, with the second condition of a
# gain under the penalty, is in benchmarks/heavy_tails/README.md. Extra arguments go to both runs.
set -euo pipefail
source "$(dirname "$0")/../usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/../.."
RULE=no-worse exec benchmarks/search_settings/confirm.sh outliers_distinct_confirm \
  --suites yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed,prior/gp,yahpo/iaml_glmnet \
  --variant warp=outliers --variant warp=outliers-distinct --first-seed 19000 "$@"
