#!/bin/sh
# Starts redis-server with the users of users.acl, giving each user that is "on" the SHA-256 of
# the password in the file named after it. Redis reads no secret from the environment or from a
# file of its own, so this writes the ACL file (hashes only, mode 0600) and passes it with --aclfile.
#
#   REDIS_CONF          the redis.conf to start with (default: redis.conf beside this script)
#   REDIS_USERS         the users, without passwords (default: users.acl beside this script)
#   REDIS_PASSWORD_DIR  one file per user, named after it, holding its password on the first line
#                       (default: /run/secrets/redis)
#   REDIS_ACL_FILE      where to write the ACL file (default: /tmp/redis-users.acl)
# Further arguments go to redis-server, e.g. --port 6380 or --include /run/redis/replication.conf.
#
# A password must be at least 16 characters without white space or commas (it travels in a
# StackExchange.Redis configuration string, where a comma would end it). Exit code 2: a user
# line or a password is wrong; nothing was started.
set -eu

here=$(dirname "$0")
conf=${REDIS_CONF:-$here/redis.conf}
users=${REDIS_USERS:-$here/users.acl}
passwords=${REDIS_PASSWORD_DIR:-/run/secrets/redis}
acl=${REDIS_ACL_FILE:-/tmp/redis-users.acl}

fail() {
  echo "start-redis: $*" >&2
  rm -f "${written:-}"
  exit 2
}

[ -r "$users" ] || fail "cannot read the users file $users"
umask 077
written="$acl.new"
: > "$written"
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    '' | '#'*) continue ;;
    'user '*) ;;
    *) fail "$users: every line must be a comment or start with 'user ': $line" ;;
  esac
  name=$(printf '%s\n' "$line" | awk '{ print $2 }')
  case " $line " in
    *'>'* | *' #'[0-9a-f]* | *' nopass '*) fail "$users: user '$name' names a password; passwords come from $passwords/$name" ;;
    *' on '*)
      file="$passwords/$name"
      [ -s "$file" ] || fail "no password for Redis user '$name': $file is missing or empty"
      password=$(head -n 1 "$file" | tr -d '\r')
      [ "${#password}" -ge 16 ] || fail "the password of Redis user '$name' ($file) is shorter than 16 characters"
      case "$password" in
        *[[:space:],]*) fail "the password of Redis user '$name' ($file) holds white space or a comma" ;;
      esac
      hash=$(printf '%s' "$password" | sha256sum | cut -d ' ' -f 1)
      line="$line #$hash"
      ;;
  esac
  printf '%s\n' "$line" >> "$written"
done < "$users"
mv "$written" "$acl"

exec redis-server "$conf" --aclfile "$acl" "$@"
