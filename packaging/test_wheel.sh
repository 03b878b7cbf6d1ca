#!/usr/bin/env bash
# make test-wheel: the repaired wheel in dist/ installed into a fresh venv (nothing from the dev venv or the
# checkout), the pytest suite run from a copy of tests/python outside the checkout with no compiler on PATH,
# once with the vector loops and once with NDBRIDGE_DISABLE_SIMD=1, then packaging/simd_compare.py; last, the
# example extension built against the installed wheel (with a compiler: that step is about building one).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
shopt -s nullglob
wheels=("$root"/dist/ndbridge-*manylinux*.whl)
if [ ${#wheels[@]} -ne 1 ]; then
  echo "test_wheel.sh: expected one repaired wheel in dist/ (run make dist first), found ${#wheels[@]}" >&2
  exit 1
fi
wheel=${wheels[0]}
work=$(mktemp -d /tmp/ndbridge-wheel-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
venv=$work/venv

echo "== the wheel alone with its declared dependencies: imports and converts"
"$python" -m venv "$work/bare"
"$work/bare/bin/python" -m pip install -q --no-compile "$wheel"
(cd "$work" && env -u PYTHONPATH PATH="$work/bare/bin:/usr/bin:/bin" "$work/bare/bin/python" -c '
import ndbridge as ndb, numpy as np
assert ndb.asarray([[1, 2], [3, 4]], dtype="bfloat16").tolist() == [[1.0, 2.0], [3.0, 4.0]]
assert np.asarray(ndb.asarray(np.arange(4.0)[::-1]).astype("float16")).tolist() == [3.0, 2.0, 1.0, 0.0]
print("   ", ndb.__version__, "from", ndb.__file__)')

echo "== fresh venv $venv: $(basename "$wheel") and the test dependencies of requirements-dev.txt"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# The wheel by file name; every other package from the index with requirements-dev.txt's pins (torch==2.13.0).
# No byte-compiling at install: the tests import only a small part of torch, jax and pandas.
"$venv/bin/python" -m pip install -q --no-compile -r "$root/requirements-dev.txt" "$wheel"

# PATH for the test runs: the venv's scripts and a few ordinary tools, and no compiler at all.
tools=$work/tools
mkdir -p "$tools"
for tool in sh bash env uname cat ls; do ln -s "$(command -v "$tool")" "$tools/$tool"; done
# The tests, and the pages whose examples they run, copied in the checkout's layout (tests/python beside docs/).
mkdir -p "$work/tests"
cp -r "$root/tests/python" "$root/tests/docs" "$work/tests/"
cp -r "$root/docs" "$root/README.md" "$work/"
cp "$root/packaging/simd_compare.py" "$work/"
run_clean() {  # runs "$@" in $work/tests/python with only the fresh venv and the tools above
  (cd "$work/tests/python" && env -u PYTHONPATH -u VIRTUAL_ENV PATH="$venv/bin:$tools" NDBRIDGE_WHEEL_TEST_VENV="$venv" \
     NDBRIDGE_WHEEL_TEST_SOURCE="$root" "$@")
}
run_clean "$venv/bin/python" -c 'import ndbridge, shutil; print("== testing", ndbridge.__file__, "version",
  ndbridge.__version__, "| cc on PATH:", shutil.which("cc"), "| vector loops:", ndbridge._core._simd_enabled())'

echo "== pytest against the wheel, vector loops on"
run_clean "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider .
echo "== pytest against the wheel, NDBRIDGE_DISABLE_SIMD=1"
run_clean env NDBRIDGE_DISABLE_SIMD=1 "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider .
echo "== the same conversions with and without the vector loops"
run_clean "$venv/bin/python" "$work/simd_compare.py"

echo "== the example extension built against the installed wheel (ndbridge.get_cmake_dir())"
cmake_dir=$(run_clean "$venv/bin/python" -c 'import ndbridge; print(ndbridge.get_cmake_dir())')
case "$cmake_dir" in "$venv"/*) ;; *) echo "get_cmake_dir() is $cmake_dir, outside $venv" >&2; exit 1 ;; esac
PATH="$venv/bin:$PATH" "$venv/bin/python" -m pip install -q --no-build-isolation --no-deps --target "$work/ext-site" \
  -C build-dir="$work/ext-build" "$root/examples/cpp_extension"
# The module was compiled against the wheel's headers (the imported target's include directory), no others.
include=$(run_clean "$venv/bin/python" -c 'import ndbridge; print(ndbridge.get_include())')
grep -q -- "$include" "$work/ext-build/build.ninja" || { echo "the example was not built against $include" >&2; exit 1; }
if grep -q -- "$root/include" "$work/ext-build/build.ninja"; then echo "the example used $root/include" >&2; exit 1; fi
cp -r "$root/examples/cpp_extension/tests" "$work/ext-tests"
(cd "$work/ext-tests" && env -u VIRTUAL_ENV PYTHONPATH="$work/ext-site" PATH="$venv/bin:$tools" \
   "$venv/bin/python" -m pytest -q -p no:cacheprovider .)
