# The two entry points: `make demo` runs the CRM, `make test` runs every check CI runs.
# Needs only python3 (3.11) and make; the virtualenv is built in .venv on first use.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
# requirements-dev.txt includes requirements.txt, so a change to either reinstalls.
REQUIREMENT_FILES := requirements.txt requirements-dev.txt

.PHONY: help demo test venv venv-dev

help:
	@echo "make demo              migrate, load demo data, run web + Celery worker + beat"
	@echo "                       at http://127.0.0.1:8000/ (SQLite and broker in var/)"
	@echo "make test [ARGS=...]   lint, types, migrations, deploy check, pytest (ARGS to pytest)"

demo: venv
	@exec $(VENV)/bin/python manage.py demo

test:
	@exec scripts/test.sh $(ARGS)

venv:
	@$(call install_requirements,requirements.txt)

venv-dev:
	@$(call install_requirements,requirements-dev.txt)

# $(1): the requirements file to install. Builds .venv when it has no working pip (Debian's
# python3 without the python3-venv package leaves such a half-built one), then pip installs
# $(1) unless .venv/.<name>.sha256 already holds the hashes of the requirements files.
define install_requirements
if ! $(VENV)/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf $(VENV)
  echo "==> creating $(VENV) with $$($(PYTHON) --version)"
  if ! $(PYTHON) -m venv $(VENV); then
    rm -rf $(VENV)
    if [[ "$$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv
      $(PYTHON) -m venv $(VENV)
    else
      echo "Cannot create $(VENV): on Debian run 'sudo apt-get install python3-venv'." >&2
      exit 1
    fi
  fi
fi
stamp=$(VENV)/.$(basename $(1)).sha256
wanted="$$(sha256sum $(REQUIREMENT_FILES))"
if [[ "$$wanted" != "$$(cat "$$stamp" 2>/dev/null || true)" ]]; then
  echo "==> installing $(1) into $(VENV)"
  $(VENV)/bin/python -m pip install --disable-pip-version-check -r $(1)
  printf '%s\n' "$$wanted" > "$$stamp"
fi
endef
