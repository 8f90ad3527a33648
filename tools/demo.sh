#!/bin/sh
# make demo: the main job on the bundled example, offline.
cd "$(dirname "$0")/.." || exit 2
LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="${SPFKIT_CPATH:-build/lua5.4/?.so};;" exec lua5.4 examples/demo.lua "$@"
