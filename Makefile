# Waymark: `make run` to try it, `make test` to check it.

# The newest Python 3.12+ on this machine (override: make run PYTHON=python3.12).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NPM := $(shell command -v npm 2>/dev/null)
NODE_STAMP := node_modules/.installed
# A learning record store (ralph) for the xAPI tests, apart from the app's venv.
LRS_VENV := .venv-lrs
LRS_STAMP := $(LRS_VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve worker schedule bench test lint format check screenshots help

help:
	@echo "make run     install, migrate, load the seed roadmap, serve http://$(HOST):$(PORT)"
	@echo "make serve   production server: gunicorn, debug off, PostgreSQL (see docs/deployment.md)"
	@echo "make worker  production task worker (emails, scheduled work): run beside make serve"
	@echo "make schedule  run the periodic jobs that are due (from cron or a systemd timer)"
	@echo "make bench   benchmark the production server against a bare Django view"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff check, ruff format --check, bandit (high severity)"
	@echo "make format  format the code with ruff"
	@echo "make check   Django's system checks, migrations check, deploy check"
	@echo "make screenshots  crawl every page in Chromium and save screenshots"

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "Waymark needs Python 3.12 or newer (python3.12, python3.13...)." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

$(LRS_STAMP): requirements-lrs.txt
	@test -x $(LRS_VENV)/bin/python || $(PYTHON) -m venv $(LRS_VENV)
	$(LRS_VENV)/bin/python -m pip install --quiet -r requirements-lrs.txt
	@touch $(LRS_STAMP)

# axe-core and vnu-jar for the accessibility and HTML checks; without npm they skip.
$(NODE_STAMP): package.json package-lock.json
	@if [ -n "$(NPM)" ]; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "npm not found: the accessibility and HTML checks will be skipped."; fi

# Graphviz's dot lays out the role page's map of the path; without it the page
# shows the list alone. Installed here when this machine lets us (Debian, root).
GRAPHVIZ = command -v dot >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 \
	&& [ "$$(id -u)" = 0 ] && apt-get install -y -q graphviz >/dev/null 2>&1; } \
	|| echo "Graphviz not found: role pages show no map (install it: apt-get install graphviz)."

run: export DJANGO_DEBUG ?= true
run: $(STAMP)
	@$(GRAPHVIZ)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createcachetable
	$(PY) manage.py load_roadmaps
	@echo
	@echo "Waymark is at http://$(HOST):$(PORT)/ (the Backend Engineer roadmap: /roles/backend-engineer/)."
	@echo "To sign in to the admin at http://$(HOST):$(PORT)/admin/, create a curator in another terminal:"
	@echo "    DJANGO_DEBUG=true $(PY) manage.py createcurator you@example.com"
	@echo "Emails (sign-up verification, password resets) are sent by the task worker"
	@echo "running beside the server, and printed here, in this terminal."
	@echo
	@# The worker and the schedule run in the background of this one terminal;
	@# Ctrl-C stops all three.
	@$(PY) manage.py db_worker --queue-name '*' --interval 1 & worker=$$!; \
	$(PY) manage.py run_schedule --every 600 & schedule=$$!; \
	trap 'kill $$worker $$schedule 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production: debug off, hashed and compressed static files, gunicorn. Needs
# DJANGO_SECRET_KEY, DATABASE_URL and DJANGO_ALLOWED_HOSTS; REDIS_URL is optional.
serve: export DJANGO_DEBUG = false
serve: export GUNICORN_BIND ?= $(HOST):$(PORT)
serve: $(STAMP)
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve needs DJANGO_SECRET_KEY (see docs/deployment.md)." >&2; exit 1; }
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make serve needs DATABASE_URL=postgres://... (see docs/deployment.md)." >&2; exit 1;; esac
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createcachetable
	$(PY) manage.py load_roadmaps
	$(VENV)/bin/gunicorn -c config/gunicorn.py config.wsgi

# The task worker, as a service of its own beside `make serve` (several may run, on
# several machines): it sends every email and runs queued work. Same environment.
worker: export DJANGO_DEBUG = false
worker: $(STAMP)
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make worker needs DJANGO_SECRET_KEY (see docs/deployment.md)." >&2; exit 1; }
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make worker needs DATABASE_URL=postgres://... (see docs/deployment.md)." >&2; exit 1;; esac
	$(PY) manage.py db_worker --queue-name '*' --no-reload

# The periodic jobs that are due, once: run it every few minutes from cron or a
# systemd timer (docs/deployment.md). Same environment as make serve.
schedule: export DJANGO_DEBUG = false
schedule: $(STAMP)
	$(PY) manage.py run_schedule

# The benchmark: production server on PostgreSQL, load from wrk (installed from
# Debian's packages when missing), three interleaved rounds, medians and spreads.
# BENCH_DATABASE_URL picks the database; BENCH_DATASET=large benches the
# 20-million-row dataset (generated once, in the database named with _large);
# BENCH_ARGS="--duration 2" checks the harness quickly (docs/performance.md).
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
		&& apt-get install -y -q wrk >/dev/null; } || { echo "make bench needs wrk (apt-get install wrk)." >&2; exit 1; }
	$(PY) bench/run.py $(BENCH_ARGS)

test: $(STAMP) $(NODE_STAMP) $(LRS_STAMP)
	@$(GRAPHVIZ)
	$(PY) -m pytest $(PYTEST_ARGS)

# The browser crawl, saving screenshots of the key pages into docs/screenshots/.
screenshots: $(STAMP) $(NODE_STAMP)
	WAYMARK_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/browser/test_crawl.py -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit --quiet --recursive accounts progress roadmap mentoring outbox api config --severity-level high

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: export DJANGO_SECRET_KEY ?= check-only-$(shell date +%s)-not-a-real-secret-key-but-long-enough
check: $(STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=waymark.example.com $(PY) manage.py check --deploy --fail-level WARNING
