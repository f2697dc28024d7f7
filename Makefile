# xling: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
XLING := $(VENV)/bin/xling
OUT ?= out
MODEL ?=

.PHONY: install test demo eval eval-mt eval-align eval-claims calibrate-claims bench bench-align bench-translate bench-batch browser clean

install: $(VENV)/.installed browser

# torch is installed first, pinned, so pip takes the CPU wheel on disk rather than a CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,ray]'
	touch $@

# Headless Chromium and its driver for the HTML report's browser test (Debian packages).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	    else echo "note: install chromium and chromium-driver for the browser test" >&2; fi; }

test: install
	$(PY) -m pytest -q

# The seeds against their reference twice: as this machine runs it (machine translation when weights are here,
# else embeddings of the originals), and with eval/data/refs standing in for MT; stdout says which report is which.
demo: install
	$(PY) -m xling.runs.demo -o $(OUT)/

# Evaluation (no network needed). Each prints a table and writes results/<name>-<time>.json.
eval: eval-align eval-claims eval-mt

eval-mt: install
	$(PY) -m xling.runs.eval_mt $(if $(MODEL),--model $(MODEL))

eval-align: install
	@echo "eval-align: four aligner settings on the Text+Berg dev article; the --spans concat row alone takes minutes (146-240 s on 2 quiet cores, 25 min at load 3-5)" >&2
	$(PY) -m xling.runs.bench_align

# Both claims benchmarks (the seeds and the comparable Text+Berg dev article), each at both tiers. The Text+Berg
# feature matrices are kept in results/cache for the next run and for calibrate-claims.
eval-claims: install
	$(PY) -m xling.runs.eval_claims --feature-cache results/cache

# Prints the claim matcher's calibration on both benchmarks; WRITE=1 writes align/data/claims_calibration.json.
calibrate-claims: install
	$(PY) -m xling.runs.calibrate_claims --feature-cache results/cache $(if $(WRITE),--write)

# Performance benchmarks: medians and ratios measured in the same run.
bench: bench-translate bench-align

# Greedy and beam 4 (the Translator's default): the CTranslate2 speed-up differs a lot between them. Each run is
# its own process with pinned settings (2 threads, OMP_WAIT_POLICY=PASSIVE), printed first; the tables give medians
# of 3 interleaved runs with their min-max, ratios to transformers, and the load average before and after each run.
# About 5 minutes on 2 cores at load 1.5 (greedy 2, beam 4 3), 6-7 at load 2-5.
bench-translate: install
	$(PY) -m xling.runs.bench_translate --beam 1
	$(PY) -m xling.runs.bench_translate --beam 4

bench-align: install
	$(PY) -m xling.runs.bench_align --speed

# Not part of `bench`: both batch engines over 500 and 2,000 synthetic articles, one run each, take about 10
# minutes on 2 shared cores; BENCH_BATCH_ARGS="--runs 3" gives medians of three, "--fresh-text" makes every
# sentence new text (no embedding cache hits; about an hour).
bench-batch: install
	@echo "bench-batch: about 10 minutes on 2 shared cores (an hour with --fresh-text)" >&2
	$(PY) -m xling.runs.bench_batch $(BENCH_BATCH_ARGS)

clean:
	rm -rf $(OUT) results .pytest_cache
