#!/usr/bin/env bash
# Makes everything deploy/docker-compose.yml needs in deploy/secrets/ (or the directory given as the
# first argument): a CA, a TLS certificate for the gateway and the demo CRM, the CRM credential,
# the masking and audit keys, Redis passwords, and a demo identity provider (a signing key, its
# JWKS, and access tokens for each role). Needs bash and openssl.
#
#   deploy/make-secrets.sh                 # then: docker compose -f deploy/docker-compose.yml up --build
#
# Files that exist are kept, so running it again changes no key or password; the demo tokens are
# minted anew every time (valid TOKEN_HOURS, default 24). Secrets are mode 0600, certificates and
# the JWKS 0644. These are demo secrets: a real deployment takes its certificate from its own CA and
# its tokens from its identity provider.
set -euo pipefail

out=${1:-"$(cd "$(dirname "$0")" && pwd)/secrets"}
issuer=${ISSUER:-https://idp.example.com}
audience=${AUDIENCE:-compliance-gateway}
token_hours=${TOKEN_HOURS:-24}
roles=(support-agent marketing-analyst compliance-officer consent-admin)

command -v openssl >/dev/null || { echo "make-secrets: openssl is needed (Debian: apt-get install openssl)" >&2; exit 1; }
umask 077
mkdir -p "$out/redis" "$out/tokens"
chmod 0700 "$out" "$out/redis" "$out/tokens"
cd "$out"

made=()
# new FILE: true when FILE does not exist yet (and is about to be made).
new() {
  if [ -e "$1" ]; then
    return 1
  fi
  made+=("$1")
}

random_base64() { openssl rand -base64 "$1" | tr -d '\n'; }
random_hex() { openssl rand -hex "$1"; }
base64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
hex_to_base64url() { local hex=$1; printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')" | base64url; }

# The CA and the server certificate: EC P-256, for the names the compose services and a browser use.
if new ca.key; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
  rm -f ca.crt
fi
if [ ! -e ca.crt ]; then
  openssl req -x509 -new -key ca.key -sha256 -days 825 -subj "/CN=Compliance Gateway demo CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
  made+=(ca.crt)
  rm -f tls.crt
fi
if new tls.key; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tls.key 2>/dev/null
  rm -f tls.crt
fi
if [ ! -e tls.crt ]; then
  extensions=$(mktemp)
  trap 'rm -f "$extensions"' EXIT
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:gateway,DNS:democrm,DNS:localhost,IP:127.0.0.1,IP:::1" > "$extensions"
  openssl req -new -key tls.key -subj "/CN=gateway" 2>/dev/null \
    | openssl x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -CAserial ca.srl -days 397 -sha256 -extfile "$extensions" -out tls.crt 2>/dev/null
  made+=(tls.crt)
fi

# Secrets of the gateway and the demo CRM.
if new crm-credential; then printf 'Bearer %s\n' "$(random_hex 32)" > crm-credential; fi
if new masking-hash-key; then random_base64 32 > masking-hash-key; echo >> masking-hash-key; fi
if new audit-key; then random_base64 32 > audit-key; echo >> audit-key; fi

# Redis users (deploy/redis/users.acl) and the gateway's connection string, which holds its password.
for user in gateway gatewayctl; do
  if new "redis/$user"; then random_hex 24 > "redis/$user"; fi
done
if new gateway.env; then
  printf 'Gateway__Redis__Configuration=redis:6379,user=gateway,password=%s\n' "$(cat redis/gateway)" > gateway.env
fi

# The demo identity provider: an RS256 key, its JWKS, and one access token per role.
if new idp.key; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out idp.key 2>/dev/null
  rm -f jwks.json
fi
if [ ! -e jwks.json ]; then
  modulus=$(openssl rsa -in idp.key -noout -modulus 2>/dev/null | sed 's/^Modulus=//')
  printf '{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"demo","n":"%s","e":"AQAB"}]}\n' "$(hex_to_base64url "$modulus")" > jwks.json
  made+=(jwks.json)
fi
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"at+jwt","kid":"demo"}' | base64url)
for role in "${roles[@]}"; do
  payload=$(printf '{"iss":"%s","aud":"%s","sub":"demo-%s","client_id":"demo-client","roles":["%s"],"iat":%d,"nbf":%d,"exp":%d,"jti":"%s"}' \
    "$issuer" "$audience" "$role" "$role" "$now" "$now" $((now + token_hours * 3600)) "$(random_hex 8)" | base64url)
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign idp.key -binary | base64url)
  printf '%s.%s.%s\n' "$header" "$payload" "$signature" > "tokens/$role.jwt"
done

chmod 0644 ca.crt tls.crt jwks.json
chmod 0600 ca.key tls.key crm-credential masking-hash-key audit-key idp.key gateway.env redis/* tokens/*
rm -f ca.srl

if [ ${#made[@]} -gt 0 ]; then
  echo "Made in $out: ${made[*]}"
else
  echo "Kept every secret in $out"
fi
echo "Demo access tokens (valid ${token_hours} h, issuer $issuer): $out/tokens/{$(IFS=,; echo "${roles[*]}")}.jwt"
