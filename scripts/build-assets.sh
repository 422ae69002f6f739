#!/usr/bin/env bash
# Build the front-end assets for attendance-tracker.
#
# Installs the pinned npm packages (frontend/package-lock.json), compiles
# frontend/scss/application.scss with dart-sass and copies GOV.UK Frontend's
# JavaScript and images into static/govuk/, plus axe-core into
# tests/journeys/vendor/. Nothing is loaded from a CDN. Safe to run repeatedly.
#
# Usage: scripts/build-assets.sh   (from anywhere)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
frontend="$repo_root/frontend"
static_govuk="$repo_root/static/govuk"
axe_vendor="$repo_root/tests/journeys/vendor"

cd "$frontend"

# Clean, reproducible install from the lockfile. sass's optional native
# file-watcher (@parcel/watcher) is not needed for a one-off compile.
npm ci --no-audit --no-fund

govuk_dist="node_modules/govuk-frontend/dist/govuk"

mkdir -p "$static_govuk" "$axe_vendor"

# 1. Stylesheet (compressed, no source map).
npx --no-install sass \
  --load-path=node_modules \
  --style=compressed \
  --no-source-map \
  --quiet-deps \
  scss/application.scss "$static_govuk/application.css"

# 2. GOV.UK Frontend JavaScript (ES module) and its source map.
cp "$govuk_dist/govuk-frontend.min.js" "$static_govuk/govuk-frontend.min.js"
if [[ -f "$govuk_dist/govuk-frontend.min.js.map" ]]; then
  cp "$govuk_dist/govuk-frontend.min.js.map" "$static_govuk/govuk-frontend.min.js.map"
fi

# 3. Assets: none of GOV.UK's own. The fonts are GDS Transport and the images are the crown and
#    GOV.UK icons, which a council service must not use. The stylesheet's only url() is the
#    footer crest, which no template uses; an empty placeholder keeps that url() resolvable.
rm -rf "$static_govuk/assets"
mkdir -p "$static_govuk/assets/images"
printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' > "$static_govuk/assets/images/govuk-crest.svg"

# 4. axe-core for the accessibility checks in the journey tests.
cp node_modules/axe-core/axe.min.js "$axe_vendor/axe.min.js"

# Sanity checks: no GDS Transport, and every url() in the CSS points at a
# file under /static/govuk/assets/ that exists.
if grep -q "GDS Transport" "$static_govuk/application.css"; then
  echo "build-assets: GDS Transport found in application.css" >&2
  exit 1
fi
status=0
while IFS= read -r url; do
  case "$url" in
    /static/govuk/assets/*)
      file="$static_govuk/assets/${url#/static/govuk/assets/}"
      if [[ ! -f "$file" ]]; then
        echo "build-assets: missing asset for url($url)" >&2
        status=1
      fi
      ;;
    data:*) ;;
    *)
      echo "build-assets: unexpected url($url) in application.css" >&2
      status=1
      ;;
  esac
done < <(grep -o 'url([^)]*)' "$static_govuk/application.css" \
           | sed -e 's/^url(//' -e 's/)$//' -e 's/^["'\'']//' -e 's/["'\'']$//' \
           | sort -u)
exit "$status"
