#!/usr/bin/env bash
# Re-run a recorded study at the commit it records and compare its summary table with the recorded one.
#
#   benchmarks/reproduce.sh benchmarks/known_spaces/yahpo_lcbench [--workers 2]
#   benchmarks/reproduce.sh --here benchmarks/unseen_spaces/yahpo_iaml_glmnet   # this checkout's code
#
# Reads the study's run.json (its sessions, all at one clean commit), checks that commit out into a temporary
# worktree, runs the recorded commands there one session after the other, with an empty cache (so nothing on
# this machine enters the result), an output folder of its own and the study's CPU kernels, then diffs
# summary.csv. Exit status 0 when the tables are identical. With --here the commands run with this checkout's
# code instead: a published table that the current code no longer produces fails. Needs the data the study needs (RL_HPO_YAHPO_DATA for YAHPO
# suites) and this repository's environment (.venv); extra options pass through to rl-hpo bench.
set -euo pipefail
source "$(dirname "$0")/usage.sh" && print_usage_on_help "$@"
cd "$(dirname "$0")/.."
here=false
if [[ ${1:-} == --here ]]; then here=true; shift; fi
usage="usage: benchmarks/reproduce.sh [--here] STUDY_DIR [rl-hpo bench options]"
study=${1:?$usage}
shift
if [[ ! -f $study/run.json ]]; then
  echo "reproduce.sh: no run.json in $study: give a recorded study's folder, e.g. benchmarks/known_spaces/yahpo_lcbench" >&2
  exit 2
fi
# The commit, then each session's command without its --out, one per line: a study built up over several sessions
# (methods or seeds added, cells redone) is replayed session by session into one folder, as it was made.
# With --here, a --policy folder that now holds another policy than the study ran (the shipped default is retrained
# from time to time) is replaced by the shipped folder that holds the study's, found by its sha256.
mapfile -t recorded < <(python - "$study/run.json" "$here" <<'PY'
import json, shlex, sys
from pathlib import Path
run = json.load(open(sys.argv[1]))
here = sys.argv[2] == "true"
recorded_hashes = set((run["settings"].get("policy_hashes") or {}).values())


def sha256_of(folder):
    from rl_hpo.agents.policy_file import load_policy
    return load_policy(folder).sha256 if (Path(folder) / "policy.json").is_file() else None


def the_study_s_policy(folder):
    """``folder``, or the shipped policy folder holding the policy the study recorded in its place."""
    if not here or not recorded_hashes or sha256_of(folder) in recorded_hashes:
        return folder
    shipped = {sha256_of(f): f for f in sorted(Path("rl_hpo/data/policies").iterdir())}
    found = [str(shipped[h]) for h in recorded_hashes if h in shipped]
    if len(found) != 1:
        sys.exit(f"{sys.argv[1]}: {folder} holds another policy than the study's (sha256 "
                 f"{', '.join(sorted(recorded_hashes))}), and no one shipped folder holds it; reproduce the study at "
                 "its commit (without --here)")
    print(f"note: {folder} holds another policy now; the study's is {found[0]}, which runs instead", file=sys.stderr)
    return found[0]


sessions = run["sessions"]
commits = {s.get("git_commit") for s in sessions}
if len(commits) != 1 or None in commits or any(s.get("git_dirty") for s in sessions):
    sys.exit(f"{sys.argv[1]}: the study was not run at one clean commit ({sorted(map(str, commits))}); nothing to reproduce")
lines = [commits.pop()]
for session in sessions:
    argv = shlex.split(session["command"])
    # "rl-hpo bench ...", or "python .../rl_hpo/cli.py bench ..." as python -m rl_hpo.cli recorded it before
    start = 2 if argv[:1] == ["rl-hpo"] else 3 if argv[1:2] and argv[1].endswith("rl_hpo/cli.py") else None
    if start is None or argv[start - 1 : start] != ["bench"]:
        sys.exit(f"{sys.argv[1]}: the recorded command is not an rl-hpo bench command: {session['command']}")
    argv = argv[start:]
    if "--out" in argv:
        out = argv.index("--out")
        del argv[out:out + 2]
    argv = [arg for arg in argv if not arg.startswith("--out=")]
    for i, arg in enumerate(argv[:-1]):
        if arg == "--policy" and argv[i + 1] != "default":
            argv[i + 1] = the_study_s_policy(argv[i + 1])
    lines.append(shlex.join(argv))
print("\n".join(lines))  # all or nothing: a refusal prints no line
PY
)
# mapfile does not fail with its input's command: an empty list is the python check's refusal (already printed)
if [[ ${#recorded[@]} -lt 2 ]]; then exit 1; fi
commit=${recorded[0]}
# The CPU kernels the study ran with (run.json's cpu_kernels): numbers agree to the last bit only with the
# same ones, so they are pinned here where this CPU has their instructions; variables already set win.
pins=$(python - "$study/run.json" <<'PY'
import json, os, sys
kernels = json.load(open(sys.argv[1]))["sessions"][0].get("cpu_kernels")
if not kernels:
    sys.exit(print("note: the study does not record its CPU kernels; on a CPU whose BLAS picks others the numbers "
                   "can differ (set OPENBLAS_CORETYPE, e.g. SkylakeX, and ATEN_CPU_CAPABILITY to the recording "
                   "machine's)", file=sys.stderr))
blas = {entry.split()[-1] for entry in kernels.get("blas", [])}
pins = {"OPENBLAS_CORETYPE": blas.pop()} if len(blas) == 1 else {}
if kernels.get("torch"):
    pins["ATEN_CPU_CAPABILITY"] = kernels["torch"].lower()
try:
    flags = open("/proc/cpuinfo").read()
except OSError:
    flags = ""
needs_avx512 = pins.get("OPENBLAS_CORETYPE") in {"SkylakeX", "Cooperlake", "SapphireRapids"} or "avx512" in pins.get(
    "ATEN_CPU_CAPABILITY", "")
if needs_avx512 and "avx512f" not in flags:
    sys.exit(print(f"note: the study ran with AVX-512 kernels ({kernels}), which this CPU lacks; numbers can differ",
                   file=sys.stderr))
print(" ".join(f"{k}={v}" for k, v in pins.items() if k not in os.environ))
PY
)
if [[ -n $pins ]]; then echo "pinning the study's CPU kernels: $pins"; fi
work=$(mktemp -d)
trap 'git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
if $here; then
  tree=$PWD at="this checkout (recorded at ${commit:0:10})"
else
  tree=$work/tree at="commit ${commit:0:10}"
  git worktree add --quiet --detach "$tree" "$commit"
fi
mkdir -p "$work/cache"
# python -m from the tree imports its rl_hpo, not the installed one
last=$((${#recorded[@]} - 1))
for i in $(seq 1 "$last"); do
  command=${recorded[$i]}
  if [[ $last -gt 1 ]]; then echo "session: rl-hpo bench $command"; fi
  # a session before the last may have stopped with failed cells, as the study's author then left a method out
  if ! (cd "$tree" && eval "$pins RL_HPO_CACHE='$work/cache' python -m rl_hpo.cli bench $command --out '$work/out' $*")
  then
    if [[ $i -eq $last ]]; then echo "differs: the last session of $study failed" >&2; exit 1; fi
    echo "note: that session ended with an error, as it may have when it was recorded; the next one follows"
  fi
done
if diff "$study/summary.csv" "$work/out/summary.csv"; then
  echo "reproduced: $study/summary.csv at $at"
else
  # the methods whose rows differ (a rank moves with another method's regret, so read the regret columns first)
  methods=$(python - "$study/summary.csv" "$work/out/summary.csv" <<'PY'
import csv, sys
recorded, now = ({tuple(r[:2]): r for r in csv.reader(open(path))} for path in sys.argv[1:])
print(",".join(sorted({key[0] for key in recorded.keys() | now.keys() if recorded.get(key) != now.get(key)})))
PY
)
  echo "differs: $study/summary.csv at $at (the rows of: $methods)" >&2
  exit 1
fi
