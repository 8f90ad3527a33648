#!/bin/sh
# run-busted.sh OUT CMD...: runs busted (possibly under valgrind), shows its
# output, and writes "passed failed" to OUT. A non-zero exit with no failed
# spec (valgrind or sanitizer errors, a crash) counts as one failure.
out=$1; shift
log=$out.log
{ "$@" -o utfTerminal; echo $? > "$out.rc"; } 2>&1 | tee "$log"
rc=$(cat "$out.rc" 2>/dev/null || echo 1)
line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -a -E '[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors?' | tail -n 1)
if [ -z "$line" ]; then
  echo "0 1" > "$out"; echo "run-busted: no summary (exit $rc) from: $*" >&2; exit 1
fi
p=$(echo "$line" | sed -E 's/^[^0-9]*([0-9]+) success.*/\1/')
f=$(echo "$line" | sed -E 's/.* ([0-9]+) failures?.*/\1/')
e=$(echo "$line" | sed -E 's/.* ([0-9]+) errors?.*/\1/')
failed=$((f + e))
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "run-busted: exit status $rc with no failed spec (memory errors?)" >&2
  failed=1
fi
echo "$p $failed" > "$out"
[ "$failed" -eq 0 ]
