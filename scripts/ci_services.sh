# shellcheck shell=bash
# Sourced by scripts/test.sh when CI=true (not run on its own). Starts what the integration
# and browser suites need unless it already runs: PostgreSQL, Redis, Debian's Chromium. Then
# creates a database for this run only, dropped again on exit, and exports the settings.

ci_as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

ci_wait_for() { # ci_wait_for <what> <command...>: retry for up to 30 s
  local what=$1
  shift
  for _ in $(seq 30); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "ci_services: $what did not come up within 30 s" >&2
  return 1
}

ci_redis_up() { [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]]; }

if ! pg_isready -q -h 127.0.0.1; then
  printf '==> starting PostgreSQL\n'
  if [[ ! -d /etc/postgresql ]]; then
    echo "ci_services: PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 1
  fi
  ci_pg_version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  ci_as_root pg_ctlcluster --skip-systemctl-redirect "$ci_pg_version" main start
  ci_wait_for PostgreSQL pg_isready -q -h 127.0.0.1
fi

if ! ci_redis_up; then
  printf '==> starting Redis\n'
  ci_redis_dir=/var/lib/redis
  ci_redis_log=/var/log/redis/ci.log
  [[ -d "$ci_redis_dir" ]] || ci_redis_dir=/tmp
  [[ -d "$(dirname "$ci_redis_log")" ]] || ci_redis_log=/tmp/redis-ci.log
  # No persistence: the CI instance holds only test messages.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir "$ci_redis_dir" --logfile "$ci_redis_log"
  ci_wait_for Redis ci_redis_up
fi

if [[ ! -x /usr/bin/chromium ]]; then
  printf '==> installing Chromium\n'
  ci_as_root apt-get update
  ci_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

CI_DATABASE="crm_ci_$$"
ci_psql() { psql -U postgres -h 127.0.0.1 -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

ci_drop_databases() {
  # This run's database, and pytest-django's test_<name>[_gwN] copies if pytest was killed.
  local db
  for db in $(ci_psql -c "SELECT datname FROM pg_database
                          WHERE datname ~ '^(test_)?${CI_DATABASE}(_gw[0-9]+)?\$'" || true); do
    ci_psql -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true
  done
}

printf '==> creating database %s\n' "$CI_DATABASE"
ci_psql -c "CREATE DATABASE \"$CI_DATABASE\""
trap ci_drop_databases EXIT
# Make Ctrl-C and SIGTERM exit through the EXIT trap too, with the usual status.
trap 'exit 130' INT
trap 'exit 143' TERM

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$CI_DATABASE"
export CRM_TEST_REDIS_URL="redis://127.0.0.1:6379/15"
export CRM_E2E=1
export CRM_INTEGRATION=1
