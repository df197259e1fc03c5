#!/usr/bin/env bash
# Provision kube-apiserver, etcd, kube-controller-manager and kubectl for tests and the demo.
#
# Order of sources (first hit wins):
#   1. KEYSYNC_KUBE_ASSETS=<dir> that already holds the four binaries
#   2. the cache: ${KEYSYNC_CACHE_DIR:-~/.cache/aks-keysync}/kube/<version>/
#   3. build from the published Go modules through the Go module proxy (needs `go`)
#   4. download the official envtest tarball (needs internet; ships no kube-controller-manager)
# Prints the directory holding the binaries on its last line of stdout. Progress goes to stderr.
set -euo pipefail

K8S_VERSION="${KEYSYNC_K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${KEYSYNC_ETCD_VERSION:-v3.6.4}" # the pairing k8s.io/apiserver v0.34.x uses
CACHE="${KEYSYNC_CACHE_DIR:-$HOME/.cache/aks-keysync}"
OUT="$CACHE/kube/$K8S_VERSION"
BINS=(kube-apiserver etcd kube-controller-manager kubectl)

log() { printf '[kube-binaries] %s\n' "$*" >&2; }

have_all() {
  local d="$1"
  for b in "${BINS[@]}"; do [ -x "$d/$b" ] || return 1; done
}

if [ -n "${KEYSYNC_KUBE_ASSETS:-}" ]; then
  if have_all "$KEYSYNC_KUBE_ASSETS"; then echo "$KEYSYNC_KUBE_ASSETS"; exit 0; fi
  log "KEYSYNC_KUBE_ASSETS=$KEYSYNC_KUBE_ASSETS lacks one of: ${BINS[*]}"
  exit 1
fi
if have_all "$OUT"; then echo "$OUT"; exit 0; fi

mkdir -p "$OUT"
lock="$OUT/.lock"
exec 9>"$lock"
if ! flock -n 9; then
  log "another build holds $lock; waiting for it"
  flock 9
  if have_all "$OUT"; then echo "$OUT"; exit 0; fi
fi

build_with_go() {
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local staging="v0.${K8S_VERSION#v1.}"
  local work="$CACHE/build/$K8S_VERSION"
  mkdir -p "$work"
  log "building Kubernetes $K8S_VERSION and etcd $ETCD_VERSION from the Go module proxy in $work"
  log "first build takes about 5-8 minutes on 2 cores; later runs use the cache in $OUT"
  export GOFLAGS="-mod=mod" CGO_ENABLED=0 GOTOOLCHAIN=local

  # kube-apiserver, kube-controller-manager and kubectl share one wrapper module.
  mkdir -p "$work/k8s" "$work/etcd"
  (
    cd "$work/k8s"
    if [ ! -f go.mod ]; then
      go mod init keysync.invalid/k8s-test-bins >/dev/null 2>&1
      gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
      # Only lines that read exactly `k8s.io/<name> v0.0.0` are staging modules.
      grep -E '^[[:space:]]*k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$gomod" | awk '{print $1}' | sort -u | while read -r m; do
        go mod edit -replace "$m=$m@$staging"
      done
      log "resolving modules (about 1 GB on first use)"
      go get "k8s.io/kubernetes@$K8S_VERSION" >&2
      go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
        "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
        "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" >&2
    fi
    local P=k8s.io/component-base/version C=k8s.io/client-go/pkg/version
    local ld="-s -w -X $P.gitVersion=$K8S_VERSION -X $P.gitMajor=1 -X $P.gitMinor=$minor -X $P.gitTreeState=clean"
    ld="$ld -X $C.gitVersion=$K8S_VERSION -X $C.gitMajor=1 -X $C.gitMinor=$minor"
    for b in kube-apiserver kube-controller-manager kubectl; do
      local t0=$SECONDS
      log "go build $b"
      go build -trimpath -ldflags "$ld" -o "$OUT/$b.tmp" "k8s.io/kubernetes/cmd/$b" >&2
      mv "$OUT/$b.tmp" "$OUT/$b"
      log "built $b in $((SECONDS - t0)) s"
    done
  )
  (
    cd "$work/etcd"
    if [ ! -f go.mod ]; then
      go mod init keysync.invalid/etcd-test-bin >/dev/null 2>&1
      go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
    fi
    local t0=$SECONDS
    log "go build etcd"
    go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
    mv "$OUT/etcd.tmp" "$OUT/etcd"
    log "built etcd in $((SECONDS - t0)) s"
  )
}

download_envtest() {
  local os arch url tmp
  os=$(uname | tr '[:upper:]' '[:lower:]')
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  url="https://github.com/kubernetes-sigs/controller-tools/releases/download/envtest-${K8S_VERSION}/envtest-${K8S_VERSION}-${os}-${arch}.tar.gz"
  log "no Go toolchain: downloading the envtest tarball $url"
  tmp=$(mktemp -d)
  curl -fsSL --max-time 300 "$url" | tar -xz -C "$tmp"
  for b in kube-apiserver etcd kubectl; do mv "$tmp/controller-tools/envtest/$b" "$OUT/$b"; done
  rm -rf "$tmp"
  log "envtest ships no kube-controller-manager: garbage-collection tests will be skipped"
  printf '#!/bin/sh\necho "kube-controller-manager not available (envtest tarball)" >&2; exit 3\n' >"$OUT/kube-controller-manager"
  chmod +x "$OUT/kube-controller-manager"
}

t0=$SECONDS
if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
  build_with_go
else
  download_envtest
fi
log "binaries ready in $OUT after $((SECONDS - t0)) s"
echo "$OUT"
