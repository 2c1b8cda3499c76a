# Shared helpers for the scripts in scripts/. Source it; do not run it.
# shellcheck shell=bash

# Repository root, whatever the caller's working directory.
PLANTON_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PLANTON_CACHE="${PLANTON_ROOT}/.cache"

die() {
    echo "error: $*" >&2
    exit 1
}

note() {
    echo "==> $*" >&2
}

# Runs apt-get update once per script run, then installs the given Debian
# packages. Only used when a prerequisite is missing on a fresh machine.
_planton_apt_updated=0
apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        die "missing prerequisite(s): $* (and no apt-get to install them)"
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "missing prerequisite(s): $*; install them as root"
        sudo=(sudo)
    fi
    if [ "$_planton_apt_updated" -eq 0 ]; then
        note "apt-get update"
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq >/dev/null
        _planton_apt_updated=1
    fi
    note "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

# Prints a Python 3.11 interpreter: python3.11 on PATH, pyenv's 3.11, or
# Debian's (bookworm's python3 is 3.11), installing that one if needed.
find_python311() {
    local candidate
    for candidate in \
        "$(command -v python3.11 2>/dev/null || true)" \
        "$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.11*/bin/python3.11 2>/dev/null | sort -V | tail -n1)" \
        /usr/bin/python3.11 \
        "$(command -v python3 2>/dev/null || true)"; do
        if [ -z "$candidate" ] || [ ! -x "$candidate" ]; then continue; fi
        # pyenv shims exist for versions that are not the selected one; ask.
        if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
            # Resolve shims to the real interpreter.
            "$candidate" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    apt_install python3.11 python3.11-venv python3-pip
    [ -x /usr/bin/python3.11 ] || die "could not install Python 3.11"
    echo /usr/bin/python3.11
}

# Makes sure a command exists, installing the Debian package that has it.
require_cmd() {
    local cmd="$1" pkg="${2:-$1}"
    command -v "$cmd" >/dev/null 2>&1 || apt_install "$pkg"
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' is still missing after installing $pkg"
}

# terraform_version BIN: the first line of `BIN version` ("Terraform vX.Y.Z").
# sed reads to the end on purpose: `| head -n1` closes the pipe early, and
# Terraform exits 255 when its second line then meets EPIPE, which pipefail
# turns into a failed script about one run in forty.
terraform_version() {
    env -u TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null | sed -n 1p
}

# newest_terraform: $TERRAFORM when set, else the newest Terraform (not
# OpenTofu) scripts/install-clients prints.
newest_terraform() {
    if [ -n "${TERRAFORM:-}" ]; then
        echo "$TERRAFORM"
        return
    fi
    local installed newest
    installed="$("$PLANTON_ROOT/scripts/install-clients")"
    newest="$(while IFS= read -r client; do
        line="$(terraform_version "$client")"
        case "$line" in "Terraform v"*) echo "${line#Terraform v} ${client}" ;; esac
    done <<<"$installed" | sort -V | tail -n1 | cut -d' ' -f2-)"
    [ -n "$newest" ] || die "scripts/install-clients printed no Terraform"
    echo "$newest"
}

# Seconds since the epoch with a fraction, for timing stages.
now() {
    date +%s.%N
}

# elapsed START: seconds since START, one decimal.
elapsed() {
    awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'
}

# 0 when colour may be printed: standard output is a terminal and NO_COLOR
# (https://no-color.org) is unset. A CI log or a file gets plain text.
colour_output() {
    [ -t 1 ] && [ -z "${NO_COLOR:-}" ]
}

# 0 when BIN is a Terraform or OpenTofu client (its `version` says so); a
# program that merely has the name is not.
is_terraform_client() {
    case "$(terraform_version "$1")" in
        "Terraform v"* | "OpenTofu v"*) return 0 ;;
        *) return 1 ;;
    esac
}

# go_env GOBIN CMD...: runs CMD for a pinned Go build whose binaries land in
# GOBIN (inside .cache). Modules and compiled packages go to Go's own caches
# (`go env GOMODCACHE GOCACHE`, shared by every checkout on the machine, as
# CI caches them), so a fresh clone rebuilds the clients in seconds once any
# checkout has built them. Checksums come from the Go checksum database (its
# defaults: GOSUMDB, GOPROXY); no cgo, no toolchain download.
go_env() {
    local gobin="$1"
    shift
    env GOMODCACHE="$(go env GOMODCACHE)" \
        GOCACHE="$(go env GOCACHE)" \
        GOPATH="${PLANTON_CACHE}/go" \
        GOBIN="$gobin" \
        GOFLAGS=-modcacherw \
        GOTOOLCHAIN=local \
        CGO_ENABLED=0 \
        "$@"
}
