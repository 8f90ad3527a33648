#!/bin/sh
# summary.sh DIR: the closing line for the whole run. Specs counted once per
# target (Lua 5.4 and LuaJIT); the sanitizer and valgrind runs add their
# failures only, since they run the same specs again.
dir=$1; passed=0; failed=0
for t in lua5.4 luajit; do
  if [ -f "$dir/$t.txt" ]; then read p f < "$dir/$t.txt"; passed=$((passed + p)); failed=$((failed + f))
  else failed=$((failed + 1)); fi
done
for t in asan valgrind; do
  if [ -f "$dir/$t.txt" ]; then read p f < "$dir/$t.txt"; failed=$((failed + f))
  else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
