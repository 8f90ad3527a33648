#!/bin/sh
# make demo: the main job on a bundled example, offline. A customer forwards
# Gmail's 550 5.7.26 bounce; `spfkit diagnose` reads it, evaluates the
# sending IP against the domain's DNS (a bundled master file instead of the
# internet) and prints what is wrong and the one TXT record to publish,
# proved by a what-if check -- in Japanese, then in English.
#
#   sh tools/demo.sh [bounce-file [zone-file]]
cd "$(dirname "$0")/.." || exit 2
bounce=${1:-examples/bounces/zenlogic-gmail-5.7.26.eml}
zone=${2:-examples/zones/example.jp.zone}
LUA=${LUA:-lua5.4}

run() {
  "$LUA" bin/spfkit diagnose "$bounce" --zone "$zone" --lang "$1"
  status=$?
  # 0: nothing to fix, 1: a problem found (the point of the demo), 2: error
  [ "$status" -le 1 ] || exit "$status"
}

echo "\$ spfkit diagnose $bounce --zone $zone --lang ja"
echo
run ja
echo
echo "\$ spfkit diagnose $bounce --zone $zone --lang en"
echo
run en
