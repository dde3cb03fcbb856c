#!/usr/bin/env bash
# phase.sh NAME CMD...: runs CMD and prints one timing line for the phase,
# so a CI log shows where the minutes go. Exit status is CMD's.
set -uo pipefail
name=$1; shift
start=$(date +%s.%N)
echo "==> [phase] $name"
"$@"
rc=$?
end=$(date +%s.%N)
printf '<== [phase] %-28s %7.1fs  %s\n' "$name" "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')" "$([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)")"
exit $rc
