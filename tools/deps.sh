#!/bin/sh
# Install the Debian packages named on the command line that are missing.
# Quiet when nothing is to do; runs `apt-get update` first when apt does not
# know one of the packages (a fresh machine has empty lists).
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
for p in $missing; do
  if [ -z "$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v none)" ]; then
    echo "deps: refreshing package lists"; $SUDO apt-get update -qq || exit 1; break
  fi
done
echo "deps: installing$missing"
$SUDO apt-get install -y -qq --no-install-recommends $missing >/tmp/spfkit-deps.log 2>&1 || { cat /tmp/spfkit-deps.log; exit 1; }
