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

.PHONY: system-deps video-deps ocr-deps text-deps install demo test test-postgres test-slow test-all fuzz lint bench bench-smoke browser messages clean

install: $(STAMP)

$(STAMP): pyproject.toml package.json
	$(MAKE) --no-print-directory system-deps
	$(MAKE) --no-print-directory text-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-binary tesserocr -e '.[dev]'
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
# reference's own build lists them.
VIDEO_DEBS := libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavdevice-dev libavfilter-dev pkg-config cmake
# OCR in the scripts RapidOCR cannot read (vision/ocr_tesseract.py): Tesseract's script
# models, a few language models, and the development files tesserocr compiles against.
OCR_LANGS := ell ara heb tha hin kor vie
OCR_SCRIPTS := latn cyrl grek arab hebr thai deva hang
OCR_DEBS := libtesseract-dev libleptonica-dev g++ $(addprefix tesseract-ocr-script-,$(OCR_SCRIPTS)) $(addprefix tesseract-ocr-,$(OCR_LANGS))
TESSDATA := /usr/share/tesseract-ocr/5/tessdata
# All Debian packages in one apt-get call, when something is missing and we may (root).
system-deps:
	@( pkg-config --exists libavcodec libavformat libavutil libswscale tesseract lept && command -v cmake && command -v g++ && for m in Latin Cyrillic Greek Arabic Hebrew Thai Devanagari Hangul $(OCR_LANGS); do test -f $(TESSDATA)/$$m.traineddata || exit 1; done ) >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(VIDEO_DEBS) $(OCR_DEBS) >/dev/null || { echo "Debian packages missing (apt-get install $(VIDEO_DEBS) $(OCR_DEBS)): vpdq (video hashes) and tesserocr (OCR beyond Latin and Chinese) cannot be built"; exit 1; }; }
video-deps ocr-deps: system-deps

# The country evaluation images (bench/country_eval.py, tests/geo/test_country_eval_images.py)
# draw labels in 11 scripts with Debian's Noto fonts; Arabic, Hebrew, Thai and Devanagari need
# Pillow's Raqm layout, whose wheel loads FriBiDi from the system. Test data only: the
# application draws no text with them. Installed when missing and we may (root); without them
# those tests are skipped.
TEXT_DEBS := fonts-noto-core fonts-noto-cjk libfribidi0
text-deps:
	@dpkg-query -W $(TEXT_DEBS) >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEXT_DEBS) >/dev/null || echo "$(TEXT_DEBS) missing: the country evaluation images cannot be drawn"; }

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
# and mode, and of the HTML tip form with 12 times as many forms (`make test` runs the same
# with 4); prints requests per API and caller, answers, server errors and schema violations.
# FUZZ_EXAMPLES=N to change; DATABASE_URL for PostgreSQL.
fuzz: install
	$(BIN)/python -m traceobject.core.i18n_compile
	TRACEOBJECT_HOME=$(CURDIR)/var/test FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/python -m pytest -q -p no:xdist -p no:cacheprovider tests/api/test_schema_fuzz.py tests/public/test_fuzz_form.py

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
