#!/bin/sh
# run-busted.sh OUT CMD...: runs busted, shows its output, and writes the
# counts of its summary line to OUT as "passed failed".
out=$1; shift
log=$out.log
"$@" -o utfTerminal 2>&1 | tee "$log"
line=$(grep -a -E '[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors?' "$log" | tail -n 1)
if [ -z "$line" ]; then
  echo "0 1" > "$out"; echo "run-busted: no summary from: $*" >&2; exit 1
fi
p=$(echo "$line" | sed -E 's/.*[^0-9]?([0-9]+) success.*/\1/; s/^[^0-9]*//')
f=$(echo "$line" | sed -E 's/.* ([0-9]+) failures?.*/\1/')
e=$(echo "$line" | sed -E 's/.* ([0-9]+) errors?.*/\1/')
echo "$p $((f + e))" > "$out"
[ "$((f + e))" -eq 0 ] || exit 1
