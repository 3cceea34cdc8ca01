# Sourced by the benchmark scripts first thing: `print_usage_on_help "$@"` prints the calling script's header
# comment (its usage: the comment lines after the first line, up to the first other or empty line) and exits
# when any argument is -h or --help, before the script runs anything.
print_usage_on_help() {
  local arg
  for arg in "$@"; do
    if [[ $arg == -h || $arg == --help ]]; then
      sed -n '2,/^[^#]\|^$/{/^#/s/^# \{0,1\}//p;}' "$0"
      exit 0
    fi
  done
}
