#!/usr/bin/env bash
# Make sure an nginx binary is available for the scale-out tests (test/scale/replicas.test.ts run
# several `taskwire serve` replicas behind a real nginx). Installs Debian's package when missing.
# The tests start their own nginx processes (private prefix, loopback ports); this never starts the
# system service.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  echo "nginx: $(/usr/sbin/nginx -v 2>&1 || nginx -v 2>&1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends: the binary only. A temporary policy-rc.d keeps the package from starting
# the system service (port 80); an existing policy is left as it was.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
echo "nginx: $(/usr/sbin/nginx -v 2>&1)"
