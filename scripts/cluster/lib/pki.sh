# A small PKI for the cluster (sourced): one CA; a certificate per node engine and for the registry; one client
# certificate for the portal. Each directory holds ca.pem, cert.pem and key.pem (the layout of DOCKER_CERT_PATH).
# shellcheck shell=bash

PKI_DAYS=365

pki_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# pki_cert DIR COMMON_NAME EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]
pki_cert() {
  local dir="$PKI/$1" cn="$2" usage="$3" sans="${4:-}" ext
  [[ -s "$dir/cert.pem" && -s "$dir/key.pem" ]] && return 0
  mkdir -p "$dir"
  pki_key "$dir/key.pem"
  ext="extendedKeyUsage=$usage"$'\n'"keyUsage=critical,digitalSignature,keyEncipherment"
  [[ -n "$sans" ]] && ext+=$'\n'"subjectAltName=$sans"
  openssl req -new -key "$dir/key.pem" -subj "/CN=$cn" 2>/dev/null \
    | openssl x509 -req -CA "$PKI/ca.pem" -CAkey "$PKI/ca-key.pem" -set_serial "0x$(openssl rand -hex 12)" \
      -days "$PKI_DAYS" -sha256 -extfile <(printf '%s\n' "$ext") -out "$dir/cert.pem" 2>/dev/null
  cp "$PKI/ca.pem" "$dir/ca.pem"
}

pki_ensure() {
  local n
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  if [[ ! -s "$PKI/ca.pem" ]]; then
    pki_key "$PKI/ca-key.pem"
    openssl req -x509 -new -key "$PKI/ca-key.pem" -subj "/CN=$P test cluster CA" -days "$PKI_DAYS" -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out "$PKI/ca.pem" 2>/dev/null
  fi
  for n in "${NODES[@]}"; do
    # Engines serve their API and join the swarm as clients of each other's.
    pki_cert "n$n" "$(node_name "$n")" serverAuth,clientAuth \
      "IP:$(node_addr "$n"),DNS:$(node_name "$n"),IP:127.0.0.1,DNS:localhost"
  done
  pki_cert registry "$P registry" serverAuth "IP:$STORAGE_ADDR"
  pki_cert client portal clientAuth
}
