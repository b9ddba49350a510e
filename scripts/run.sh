#!/usr/bin/env bash
# `make run`: migrate, seed the demo, then run web, Celery worker, Celery beat and the
# Microsoft simulator together, the app configured for the simulator. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var/log

WEB_PORT=${WEB_PORT:-8000}
SIM_HTTPS_PORT=${SIM_HTTPS_PORT:-8443}
SIM_HTTP_PORT=${SIM_HTTP_PORT:-8080}

export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
export MICROSOFT_CLIENT_ID=okomo-local-client
export MICROSOFT_CLIENT_SECRET=okomo-local-secret
export MICROSOFT_AUTHORITY="https://127.0.0.1:${SIM_HTTPS_PORT}/common"
# The simulator's sign-in pages, on its plain-HTTP port: allowed by the Content-Security-Policy.
export MICROSOFT_SIGN_IN_ORIGINS="http://127.0.0.1:${SIM_HTTP_PORT}"
export MICROSOFT_GRAPH_URL="https://127.0.0.1:${SIM_HTTPS_PORT}/v1.0"
export MICROSOFT_CA_BUNDLE="$PWD/var/simulator/ca.pem"
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}

redis_answers() { $BIN/python -c "import redis,sys; redis.Redis.from_url('$REDIS_URL', socket_timeout=2).ping()" 2>/dev/null; }
if ! redis_answers; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Redis does not answer at $REDIS_URL; starting a local redis-server on 127.0.0.1:6379."
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir "$PWD/var" --logfile "$PWD/var/log/redis.log"
    sleep 1
  fi
  if ! redis_answers; then
    echo "ERROR: Redis does not answer at $REDIS_URL, and no redis-server is installed to start." >&2
    echo "Install Redis (apt-get install redis-server) or set REDIS_URL to a running one." >&2
    exit 1
  fi
fi

$BIN/python manage.py migrate --no-input -v0
$BIN/python manage.py seed_demo

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping…"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# Both loopback names registered, as one would in Azure: Microsoft tells localhost and
# 127.0.0.1 apart (the port it ignores), and the address below is 127.0.0.1.
$BIN/python -m simulator --https-port "$SIM_HTTPS_PORT" --http-port "$SIM_HTTP_PORT" \
  --state-dir var/simulator --client-id "$MICROSOFT_CLIENT_ID" \
  --client-secret "$MICROSOFT_CLIENT_SECRET" --seed-demo \
  $(for host in localhost 127.0.0.1; do for path in callback admin-consent; do
      printf -- '--redirect-uri http://%s/calendars/microsoft/%s/ ' "$host" "$path"; done; done) &
pids+=($!)
for _ in $(seq 50); do [ -f var/simulator/ca.pem ] && break; sleep 0.2; done

$BIN/celery -A okomo worker --loglevel=INFO --pool threads --concurrency 8 &
pids+=($!)
$BIN/celery -A okomo beat --loglevel=INFO --schedule var/celerybeat-schedule &
pids+=($!)
$BIN/python manage.py runserver "127.0.0.1:${WEB_PORT}" &
pids+=($!)

cat <<MSG

  Okomo runs at http://127.0.0.1:${WEB_PORT}/  (sign in as expert@okomo.example / okomo-demo)
  Microsoft simulator: http://127.0.0.1:${SIM_HTTP_PORT}/ (sign-in pages), https://127.0.0.1:${SIM_HTTPS_PORT}/ (tokens, Graph)
  Press Ctrl-C to stop everything.

MSG
wait -n "${pids[@]}"
