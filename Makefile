# traceobject: `make demo` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TRACEOBJECT_HOME ?= $(CURDIR)/var
# Compiled bytecode is kept (an environment that turns it off makes every test process and
# every server the tests start compile the project and rewrite the test modules' asserts
# again: measured, 7.5 s instead of 3.0 s to collect the suite, per process).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: video-deps install demo test test-postgres test-slow test-all fuzz lint bench bench-smoke browser messages clean

install: $(STAMP)

$(STAMP): pyproject.toml package.json
	$(MAKE) --no-print-directory video-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# rapidocr's opencv-python-headless and mediapipe's opencv-contrib-python share cv2/:
	# the contrib build (a superset) must be the one installed.
	$(BIN)/python -c "import cv2, sys; sys.exit(0 if hasattr(cv2, 'ximgproc') else 1)" || \
	  $(BIN)/python -m pip install --quiet --force-reinstall --no-deps opencv-contrib-python==5.1.0.95
	npm install --no-audit --no-fund --silent
	$(BIN)/python -m traceobject.core.i18n_compile
	touch $(STAMP)

demo: install
	$(BIN)/python -m traceobject.core.i18n_compile
	$(BIN)/traceobject demo

# vpdq (video hashes) compiles against FFmpeg's development files: Debian's packages, as the
# reference's own build lists them. Installed when missing and we may (root).
VIDEO_DEBS := libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavdevice-dev libavfilter-dev pkg-config cmake
video-deps:
	@pkg-config --exists libavcodec libavformat libavutil libswscale 2>/dev/null && command -v cmake >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(VIDEO_DEBS) >/dev/null || { echo "FFmpeg development packages missing (apt-get install $(VIDEO_DEBS)): vpdq cannot be built"; exit 1; }; }

# Browser tests need Debian's chromium; install it when we may (root), else they are skipped.
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium missing: browser tests will be skipped"; }

# Tests keep their data (keys, media) apart from the demo's. Two processes; worksteal: a
# process that runs out of tests takes some of the other's (the slow files no longer decide
# the end). --durations: the slowest tests, to keep an eye on the suite's time.
# The per-commit suite leaves out the tests marked `slow` (crash, network-cut, federation and
# killed-worker scenarios with real edge and core processes): `make test-slow` runs them,
# `make test-all` runs everything, CI runs both.
# Three test processes on two cores: a third keeps the CPUs busy while another waits on a
# server, a subprocess or the browser (measured quietly: 431 s with two, 391 s with three).
# The slow scenarios keep two (their processes' timings need the CPU more than the overlap).
PYTEST := $(BIN)/python -m pytest -q -n 2 --dist worksteal --durations=10
PYTEST_FAST := $(BIN)/python -m pytest -q -n 3 --dist worksteal --durations=10
test: install browser
	$(BIN)/python -m traceobject.core.i18n_compile
	TRACEOBJECT_HOME=$(CURDIR)/var/test $(PYTEST_FAST) -m "not slow"

# The tests that touch the database, on PostgreSQL (DATABASE_URL, default: the local
# server's 'test' database). The others (vision, search, geo, ...) ran in `make test`:
# TRACEOBJECT_TEST_DB_ONLY=1 deselects them (tests/conftest.py); pass
# TRACEOBJECT_TEST_DB_ONLY=0 to run every test on PostgreSQL.
TRACEOBJECT_TEST_DB_ONLY ?= 1
test-postgres: install browser
	$(BIN)/python -m traceobject.core.i18n_compile
	TRACEOBJECT_HOME=$(CURDIR)/var/test TRACEOBJECT_TEST_DB_ONLY=$(TRACEOBJECT_TEST_DB_ONLY) DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PYTEST_FAST) -m "not slow"

# The slow scenarios alone (SQLite; DATABASE_URL=postgres://... for PostgreSQL).
test-slow: install browser
	$(BIN)/python -m traceobject.core.i18n_compile
	TRACEOBJECT_HOME=$(CURDIR)/var/test $(PYTEST) -m slow

# The long run: the suite with the slow scenarios, then the safety gate's accuracy on the full
# samples (2,100 face crops, 300 object crops, each alone and in context; ~30-60 minutes on 2
# cores), checked against the bounds the suite used to assert (bench/bench_gate.py CHECKS).
test-all: install browser
	$(BIN)/python -m traceobject.core.i18n_compile
	TRACEOBJECT_HOME=$(CURDIR)/var/test $(PYTEST)
	$(BIN)/python bench/bench_gate.py --check

# Schema fuzzing of the public, internal and liaison APIs with many cases per operation, caller
# and mode (`make test` runs the same with 4); prints requests per API and caller, answers,
# server errors and schema violations. FUZZ_EXAMPLES=N to change; DATABASE_URL for PostgreSQL.
fuzz: install
	$(BIN)/python -m traceobject.core.i18n_compile
	TRACEOBJECT_HOME=$(CURDIR)/var/test FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/python -m pytest -q -p no:xdist -p no:cacheprovider tests/api/test_schema_fuzz.py

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/run.py

bench-smoke: install
	$(BIN)/python bench/run.py --smoke

messages: install
	cd src/traceobject && ../../$(BIN)/django-admin makemessages --settings=traceobject.settings -l en --no-obsolete --ignore 'demo/*'
	$(BIN)/python -m traceobject.core.i18n_compile

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
