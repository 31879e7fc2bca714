#!/usr/bin/env bash
# The portal installed as IT teams install it: a wheel built from this checkout (compiled GOV.UK
# assets inside, so the server needs no Node.js), put into a clean virtual environment away from
# the source tree, migrated, seeded, and served by gunicorn. Passes when /healthz answers "ok", the
# stylesheet is served from the wheel, a demo user signs in and sees their home page, and a page
# is served in Welsh from the compiled catalogues inside the wheel.
#
#   .ci/check_wheel.sh            (make check-wheel; run by .ci/run)
set -euo pipefail

cd "$(dirname "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")")"
REPO=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/coprod-wheel-XXXXXX")
SERVER=""
cleanup() {
  if [[ -n "$SERVER" ]]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf 'check_wheel: %s\n' "$*" >&2; }

make -s assets catalogues
say "building the wheel"
quiet() { "$@" 2> >(grep -v "^WARNING: Location" >&2); }  # this machine's pip mirrors are noisy
rm -rf "$REPO/build"  # setuptools' staging folder: a file deleted since the last build would ship again
quiet .venv/bin/pip wheel -q --no-deps --wheel-dir "$WORK/dist" "$REPO"
WHEEL=$(ls "$WORK"/dist/coprod_portal-*.whl)
for needed in coprod_portal/static/govuk/portal.css coprod_portal/static/govuk/govuk-frontend.min.js \
    coprod_portal/migrations/0001_core.py plugins/network/migrations/network_0001.py \
    training/templates coprod_portal/templates/base.html \
    coprod_portal/translations/cy/LC_MESSAGES/coprod_portal.mo \
    plugins/network/translations/cy/LC_MESSAGES/network.mo; do
  .venv/bin/python - "$WHEEL" "$needed" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
if not any(name.startswith(sys.argv[2]) for name in names):
    sys.exit(f"check_wheel: {sys.argv[2]} is missing from the wheel")
PY
done
say "$(basename "$WHEEL"): $(du -k "$WHEEL" | cut -f1) kB, assets and migrations inside"

python3 -m venv "$WORK/venv"
quiet "$WORK/venv/bin/pip" install -q --upgrade pip
quiet "$WORK/venv/bin/pip" install -q -c "$REPO/constraints.txt" "$WHEEL"
say "installed into a clean virtual environment"

cd "$WORK"  # nothing from the checkout on the import path
export COPROD_INSTANCE_PATH="$WORK/instance"
unset DATABASE_URL COPROD_PLUGINS
FLASK=("$WORK/venv/bin/flask" --app coprod_portal)
"${FLASK[@]}" db upgrade >/dev/null
"${FLASK[@]}" seed-demo >/dev/null
PORT=$("$WORK/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$WORK/venv/bin/gunicorn" -c python:coprod_portal.gunicorn_conf --workers 2 --bind "127.0.0.1:$PORT" \
  'coprod_portal:create_app()' \
  >"$WORK/gunicorn.log" 2>&1 &
SERVER=$!

"$WORK/venv/bin/python" - "$PORT" <<'PY' || { cat "$WORK/gunicorn.log" >&2; exit 1; }
"""Health check, a static file from the wheel, a real sign-in through the form, a Welsh page."""
import http.cookiejar, re, sys, time, urllib.parse, urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}"
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
for _ in range(100):
    try:
        health = opener.open(base + "/healthz", timeout=2).read().decode()
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("check_wheel: the server never answered /healthz")
assert health.strip() == "ok", health
css = opener.open(base + "/static/govuk/portal.css", timeout=5)
assert css.headers.get_content_type() == "text/css" and b".portal-card" in css.read(), "no stylesheet"
form = opener.open(base + "/sign-in", timeout=5).read().decode()
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
data = urllib.parse.urlencode({"csrf_token": token, "email": "lead@example.org",
                               "password": "demo-password-2026"}).encode()
home = opener.open(base + "/sign-in", data=data, timeout=10).read().decode()
assert "Sign out" in home and "Sign in to" not in home, home[:2000]
welsh = urllib.request.Request(base + "/accessibility", headers={"Accept-Language": "cy"})
page = urllib.request.urlopen(welsh, timeout=5).read().decode()
assert '<html lang="cy"' in page and "Datganiad hygyrchedd" in page, "no Welsh from the wheel"
print(f"check_wheel: /healthz ok, stylesheet served, lead@example.org signed in, Welsh served ({base})")
PY
say "ok"
