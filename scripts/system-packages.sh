#!/usr/bin/env bash
# Install the Debian/Ubuntu packages attendance-tracker needs, if missing.
#
#   scripts/system-packages.sh            # runtime + test packages
#   scripts/system-packages.sh --browser  # ... plus chromium (browser tests)
#
# Idempotent: missing packages are detected with dpkg-query, so a run on a
# machine that already has everything does no apt work at all.  `apt-get
# update` only runs when something has to be installed.  Uses sudo when not
# running as root.
set -euo pipefail

usage() { echo "usage: $0 [--browser]" >&2; exit 2; }

with_browser=0
for arg in "$@"; do
    case "$arg" in
        --browser) with_browser=1 ;;
        -h|--help) usage ;;
        *) echo "unknown argument: $arg" >&2; usage ;;
    esac
done

# Packages that must be installable.
required=(
    postgresql
    redis-server
    python3-venv
    libpango-1.0-0
    libpangoft2-1.0-0
    fonts-dejavu-core
    fonts-liberation
    poppler-utils
    time
)
# Packages that are skipped (with a warning) when the apt sources lack them:
# postgresql-contrib is only a metapackage on current releases (the contrib
# modules ship in postgresql-NN), libharfbuzz-subset0 is folded into
# libharfbuzz0b on older releases, and Ubuntu only ships chromium as a snap.
optional=(postgresql-contrib libharfbuzz-subset0)
if (( with_browser )); then
    optional+=(chromium)
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-packages: dpkg/apt-get not found; this script supports Debian/Ubuntu only" >&2
    exit 1
fi

is_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null) || return 1
    [[ "$status" == *"ok installed"* ]]
}

missing=()
for pkg in "${required[@]}" "${optional[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if (( ${#missing[@]} == 0 )); then
    echo "system-packages: all present"
    exit 0
fi

if (( EUID == 0 )); then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "system-packages: missing ${missing[*]}, and not root and no sudo available" >&2
    exit 1
fi

echo "system-packages: missing: ${missing[*]}"
echo "system-packages: apt-get update"
"${as_root[@]}" apt-get update -qq

# A package can be installed if apt knows a real (non-virtual) version of it.
has_candidate() {
    local cand
    cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
    [[ -n "$cand" && "$cand" != "(none)" ]]
}

to_install=()
for pkg in "${missing[@]}"; do
    if has_candidate "$pkg"; then
        to_install+=("$pkg")
    elif [[ " ${optional[*]} " == *" $pkg "* ]]; then
        if [[ "$pkg" == chromium ]]; then
            echo "system-packages: WARNING: no 'chromium' apt package here (Ubuntu ships it as a snap); browser tests need a Chromium some other way" >&2
        else
            echo "system-packages: skipping $pkg (not available in the apt sources)"
        fi
    else
        echo "system-packages: ERROR: $pkg is not available in the apt sources" >&2
        exit 1
    fi
done

if (( ${#to_install[@]} > 0 )); then
    echo "system-packages: apt-get install ${to_install[*]}"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${to_install[@]}"
fi
echo "system-packages: done"
