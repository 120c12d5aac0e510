# jixiao: `make demo` and `make test` set everything up on a fresh Debian machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT := fixtures/out
export OMP_THREAD_LIMIT ?= 1

.PHONY: setup system-deps demo demo-review test fast-test fixtures truth bench crosscheck fuzz lint clean

setup: $(STAMP)

system-deps:
	bash scripts/system-deps.sh

$(STAMP): pyproject.toml constraints.txt scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# render every truth file to text PDFs, transcripts, clean and degraded scans (skips fresh ones)
fixtures: $(STAMP)
	$(BIN)/python -m fixtures.build --out $(OUT)

# rewrite the generated truth files (deterministic; they are committed)
truth: $(STAMP)
	$(BIN)/python -m fixtures.generate

demo: $(STAMP)
	$(BIN)/python -m fixtures.build --out $(OUT) --only qiannan-2024-dept --no-scans --no-browser --no-office
	$(BIN)/jixiao audit $(OUT)/pdf/qiannan-2024-dept.pdf --html report.html --json findings.json --xlsx findings.xlsx
	@echo "report: $(CURDIR)/report.html"

# LibreOffice is installed by setup: the office tests fail here instead of skipping without it
test: $(STAMP) fixtures
	JIXIAO_REQUIRE_LIBREOFFICE=1 $(BIN)/python -m pytest -q

# the edit loop, both cores: the logic of every stage (grids, lattice, matcher, values, rules,
# assign, marks, scan-read decisions incl. the OCR doubt threshold, recorded-OCR scan path, photo
# flattening, office/transcript/text-PDF readers on small built inputs, zip and bad-input guards,
# the CLI, corpus schema, the worker pool's time limit). Not here (marked slow, run by `make test`):
# OCR models on rendered scans, rendering fixtures, LibreOffice conversions, the browser, whole-file
# truth comparisons, ingests of whole archives, CLI subprocesses that wait out a limit. The test
# modules' rewritten bytecode is kept between runs (a shell may turn that off)
fast-test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -m "not slow and not browser" -n 2 --dist loadfile

# `make bench`: the fixture set; `make bench CASES=dir` scores a folder of forms-gen cases instead
# (per input kind: forms, fields, CER, findings P/R, false errors; scans cached in $(OUT)/cases-cache)
bench: $(STAMP)
ifdef CASES
	$(BIN)/python -m fixtures.cases $(CASES)
else
	$(MAKE) fixtures
	$(BIN)/python -m fixtures.photo --out $(OUT)
	$(BIN)/python -m fixtures.bench --out $(OUT)
endif

# jixiao's rules engine against forms-gen's rules.py on a few hundred fixture records (not in `make test`)
FORMS_GEN ?= ../shared/forms-gen
crosscheck: $(STAMP)
	$(BIN)/python -m fixtures.crosscheck --forms-gen $(FORMS_GEN)

# mutants of the fixtures (fixed seed) through extract, audit and corpus ingest --workers 2, and a
# worker killed mid-file: no traceback, no aborted run, every file named, every good form out
FUZZ_SEED ?= 11
FUZZ_COUNT ?= 120
fuzz: $(STAMP) fixtures
	$(BIN)/python -m fixtures.fuzz_run --seed $(FUZZ_SEED) --count $(FUZZ_COUNT) --work $(CURDIR)/.fuzz

lint: $(STAMP)
	$(BIN)/ruff check jixiao fixtures tests
	$(BIN)/mypy jixiao

clean:
	rm -rf $(OUT) report.html findings.json findings.xlsx .pytest_cache

# the review app's form page for the bundled Qiannan form, screenshotted for the README
demo-review: $(STAMP)
	$(BIN)/python -m fixtures.build --out $(OUT) --only qiannan-2024-dept --no-scans --no-browser --no-office
	$(BIN)/python scripts/demo_review.py $(OUT)/pdf/qiannan-2024-dept.pdf docs/review-qiannan.png
