#!/usr/bin/env bash
# The one test command: `make test` (extra pytest arguments: `make test ARGS="-k owner"`),
# and CI through .ci/run. Runs every check in order and stops at the first failure.
#
# Without CI the suite uses SQLite; the integration and browser tests detect that PostgreSQL,
# Redis or Chromium are missing and skip, saying why. With CI=true, scripts/ci_services.sh
# starts those services, creates a throwaway database and turns both suites on.
# PYTEST_WORKERS sets the number of xdist workers (default 2; 0 runs in one process).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

make --no-print-directory venv-dev
export PATH="$PWD/.venv/bin:$PATH"

if [[ "${CI:-}" == "true" ]]; then
  # shellcheck source=scripts/ci_services.sh
  source scripts/ci_services.sh
fi

step() { printf '\n==> %s\n' "$*"; }

step "ruff check"
ruff check .

step "ruff format --check"
ruff format --check .

step "makemigrations --check"
mkdir -p var # the SQLite default lives here; makemigrations checks the migration history
DJANGO_SETTINGS_MODULE=crm.settings.test python manage.py makemigrations --check --dry-run

step "mypy"
mypy .

step "lint-imports"
lint-imports

step "check --deploy (production settings)"
DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(45))')" \
  DJANGO_ALLOWED_HOSTS=crm.example.com \
  python manage.py check --deploy --fail-level WARNING --settings=crm.settings.production

step "collectstatic (production storage: every referenced file must exist)"
static_tmp="$(mktemp -d)"
DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(45))')" \
  DJANGO_ALLOWED_HOSTS=crm.example.com STATIC_ROOT="$static_tmp" \
  python manage.py collectstatic --noinput --verbosity 0 --settings=crm.settings.production
rm -rf "$static_tmp"

step "pytest"
# Not exec: ci_services.sh drops its database on exit. pytest's exit code, including 5
# ("no tests collected"), ends the script through set -e.
pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" "$@"
