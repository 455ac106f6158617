#!/bin/sh
# A sentinel of the HA layout: it rewrites its configuration as failovers happen, so the file
# is written once into its volume, then kept.
set -eu
CONF=/data/sentinel.conf
if [ ! -f "$CONF" ]; then
  cat > "$CONF" <<CONF
port 26379
dir /data
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel monitor hotline redis-a 6379 2
sentinel down-after-milliseconds hotline 5000
sentinel failover-timeout hotline 60000
sentinel parallel-syncs hotline 1
CONF
fi
exec redis-sentinel "$CONF"
