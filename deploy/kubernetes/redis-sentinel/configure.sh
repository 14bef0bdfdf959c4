#!/bin/sh
# Init container of the Redis example: writes into /run/redis (OUT_DIR) the users (deploy/redis/users.acl and
# replication-users.acl), the replication settings and sentinel.conf of this pod. The primary is
# the one the running Sentinels name (after a failover it is not redis-0); with none answering
# (the first start) it is redis-0.
set -eu
: "${POD_NAME:?}" "${POD_NAMESPACE:?}"
passwords=${REDIS_PASSWORD_DIR:-/run/secrets/redis}
config=${REDIS_CONFIG_DIR:-/config}
sentinel_config=${SENTINEL_CONFIG_DIR:-/sentinel-config}
out=${OUT_DIR:-/run/redis}
domain="redis-headless.$POD_NAMESPACE.svc.cluster.local"
self="$POD_NAME.$domain"

password() {
  [ -s "$passwords/$1" ] || { echo "configure: no password for Redis user '$1' in $passwords" >&2; exit 2; }
  head -n 1 "$passwords/$1" | tr -d '\r'
}
sha256() { printf '%s' "$(password "$1")" | sha256sum | cut -d ' ' -f 1; }

primary=""
answer=$(timeout 5 redis-cli -h redis-sentinel -p 26379 --user sentinel --pass "$(password sentinel)" --no-auth-warning --raw \
  SENTINEL get-master-addr-by-name gateway 2>/dev/null || true)
host=$(printf '%s\n' "$answer" | sed -n 1p)
port=$(printf '%s\n' "$answer" | sed -n 2p)
case "$host" in
  *."$domain") [ "$port" = 6379 ] && primary=$host ;;
esac
[ -n "$primary" ] || primary="redis-0.$domain"
echo "configure: $self starts with primary $primary"

umask 077
cat "$config/users.acl" "$sentinel_config/replication-users.acl" > "$out/users.acl"

{
  echo "replica-announce-ip $self"
  echo "masteruser replica"
  echo "masterauth $(password replica)"
  [ "$primary" = "$self" ] || echo "replicaof $primary 6379"
} > "$out/replication.conf"

cat > "$out/sentinel.conf" <<CONF
port 26379
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $self
sentinel monitor gateway $primary 6379 2
sentinel auth-user gateway sentinel
sentinel auth-pass gateway $(password sentinel)
sentinel sentinel-user sentinel
sentinel sentinel-pass $(password sentinel)
sentinel down-after-milliseconds gateway 5000
sentinel failover-timeout gateway 60000
sentinel parallel-syncs gateway 1
user default off
user sentinel on #$(sha256 sentinel) +@all
user gateway on #$(sha256 gateway) -@all +auth +hello +ping +info +role +client|setname +sentinel|get-master-addr-by-name +sentinel|master +sentinel|replicas +sentinel|sentinels +subscribe &*
user gatewayctl on #$(sha256 gatewayctl) -@all +auth +hello +ping +info +role +client|setname +sentinel|get-master-addr-by-name +sentinel|master +sentinel|replicas +sentinel|sentinels +subscribe &*
CONF
