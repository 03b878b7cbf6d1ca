# ndbridge developer entry points. `make demo` and `make test` work on a fresh machine: they install
# what is missing (Debian's GoogleTest, a Python venv with the build and test dependencies), build, run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
CMAKE  := $(VENV)/bin/cmake
BUILD  := build
ASAN_BUILD := build-asan
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all demo test test-cpp test-python test-asan build-cpp install-python system-deps venv format clean

all: test

# --- setup -----------------------------------------------------------------------------------------
system-deps:
	@if [ ! -f /usr/include/gtest/gtest.h ] || [ ! -f /usr/include/benchmark/benchmark.h ]; then \
	  echo "== installing libgtest-dev and libbenchmark-dev"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgtest-dev libbenchmark-dev >/dev/null; \
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

# --- Python package ----------------------------------------------------------------------------------
install-python: venv
	$(PIP) install -q --no-build-isolation .

test-python: install-python
	cd tests/python && ../../$(PY) -m pytest -q -p no:cacheprovider .

# --- the two commands of the README --------------------------------------------------------------------
test: test-cpp test-python

demo: install-python
	$(PY) examples/demo.py

format:
	clang-format -i include/ndbridge/*.h src/*.cpp src/kernels/*.h bindings/*.cpp bindings/*.h tests/cpp/*.cpp

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
