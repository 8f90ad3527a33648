#!/bin/sh
# Run a Lua script against the source tree: lua/ on the module path and the
# C core built for the interpreter (LUA=lua5.4 by default, or LUA=luajit).
#   sh tools/lua.sh examples/diagnose-folder.lua examples/bounces examples/zones/example.jp.zone
root=$(cd "$(dirname "$0")/.." && pwd)
LUA=${LUA:-lua5.4}
case "$LUA" in *luajit*) vm=luajit ;; *) vm=lua5.4 ;; esac
LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;;" LUA_CPATH="$root/build/$vm/?.so;;" exec "$LUA" "$@"
