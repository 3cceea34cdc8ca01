# The common part of the study scripts that run one `rl-hpo bench` per suite and record it (sourced by their run.sh,
# from the repository root):
#   study_setup STUDY SUITE [SPLIT] [rl-hpo bench options]
# sets suite, split (default validation, or default_split where the caller set it), name (the suite with / as _,
# then _SPLIT unless the default split), runs and record (runs/STUDY and benchmarks/STUDY; RUNS and RECORD in the
# environment move them), puts benchmarks/STUDY on PYTHONPATH (for the study's --plugins) and leaves the bench
# options in the array `options`;
#   study_record
# copies the bench's report, summary, settings, bounds and plots from runs/STUDY/NAME into the record.
study_setup() {
  local study=$1
  shift
  suite=${1:?usage: run.sh SUITE [SPLIT] [rl-hpo bench options]}
  shift
  split=${default_split:-validation}
  if [[ $# -gt 0 && $1 != -* ]]; then split=$1; shift; fi
  name=${suite//\//_}
  if [[ $split != "${default_split:-validation}" ]]; then name+=_$split; fi
  runs=${RUNS:-runs}/$study
  record=${RECORD:-benchmarks/$study}
  export PYTHONPATH="benchmarks/$study${PYTHONPATH:+:$PYTHONPATH}"
  options=("$@")
}

study_record() {
  mkdir -p "$record/$name"
  cp "$runs/$name"/{report.md,summary.csv,run.json,bounds.json,*.png} "$record/$name/"
}
