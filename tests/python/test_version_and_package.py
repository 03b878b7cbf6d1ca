"""What an installed ndbridge tells its users: one version everywhere (the wheel's metadata, ndb.__version__,
the CMake package's version file), the C++ package for extension authors (get_include, get_cmake_dir), and,
under `make test-wheel`, that the package under test is the wheel installed in a fresh venv with no compiler
on PATH (docs/decisions.md, "Versions and wheels")."""
import importlib.metadata
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

import ndbridge as ndb

PACKAGE = pathlib.Path(ndb.__file__).resolve().parent
# Set by `make test-wheel`: the fresh venv the wheel was installed into, and the checkout it must not use.
WHEEL_VENV = os.environ.get("NDBRIDGE_WHEEL_TEST_VENV")
SOURCE_TREE = os.environ.get("NDBRIDGE_WHEEL_TEST_SOURCE")


def test_version_is_a_release_number():
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", ndb.__version__), ndb.__version__


def test_cmake_package_version_file_says_the_same_version():
    text = (pathlib.Path(ndb.get_cmake_dir()) / "ndbridgeConfigVersion.cmake").read_text()
    found = re.search(r'set\(PACKAGE_VERSION "([^"]+)"\)', text)
    assert found is not None, "ndbridgeConfigVersion.cmake sets no PACKAGE_VERSION"
    assert found.group(1) == ndb.__version__


def test_installed_metadata_says_the_same_version():
    try:
        dist = importlib.metadata.distribution("ndbridge")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"ndbridge at {PACKAGE} was not installed by pip (the sanitized build copies it): no metadata")
    described = pathlib.Path(str(dist.locate_file("ndbridge/__init__.py"))).resolve().parent
    if described != PACKAGE:
        pytest.skip(f"the installed metadata describes {described}, not the ndbridge imported from {PACKAGE} "
                    "(the sanitized build is found first through PYTHONPATH)")
    assert dist.version == ndb.__version__
    assert dist.metadata["Name"] == "ndbridge"


def test_headers_and_cmake_package_ship_with_the_package():
    include = pathlib.Path(ndb.get_include())
    assert include.parent == PACKAGE
    for header in ("array.h", "convert.h", "nanobind.h", "dlpack.h"):
        assert (include / "ndbridge" / header).is_file(), header
    cmake_dir = pathlib.Path(ndb.get_cmake_dir())
    assert PACKAGE in cmake_dir.parents
    for name in ("ndbridgeConfig.cmake", "ndbridgeConfigVersion.cmake", "ndbridgeTargets.cmake"):
        assert (cmake_dir / name).is_file(), name
    # The imported target's library is the static core shipped beside the config.
    assert list(cmake_dir.parent.parent.glob("libndbridge_core.a")), f"no libndbridge_core.a near {cmake_dir}"


def test_module_entry_point_prints_the_same_paths_and_version():
    def run(flag):
        done = subprocess.run([sys.executable, "-m", "ndbridge", flag], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    assert run("--cmake_dir") == ndb.get_cmake_dir()
    assert run("--include_dir") == ndb.get_include()
    assert run("--version") == ndb.__version__


def test_stubs_type_the_new_names():
    stub = (PACKAGE / "__init__.pyi").read_text()
    assert "__version__: str" in stub
    assert "def get_include() -> builtins.str" in stub and "def get_cmake_dir() -> builtins.str" in stub
    assert (PACKAGE / "py.typed").is_file()


def _cpu_has_vector_loops():
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags.update(line.split(":", 1)[1].split())
                break
    return {"avx2", "f16c", "fma"} <= flags


@pytest.mark.skipif(not os.path.exists("/proc/cpuinfo"), reason="reads the CPU's flags from /proc/cpuinfo")
def test_disable_simd_variable_turns_the_vector_loops_off():
    def enabled(value):
        env = {k: v for k, v in os.environ.items() if k != "NDBRIDGE_DISABLE_SIMD"}
        if value is not None:
            env["NDBRIDGE_DISABLE_SIMD"] = value
        code = "import ndbridge; print(ndbridge._core._simd_enabled())"
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    assert enabled("1") == "False"
    assert enabled("0") == enabled(None) == str(_cpu_has_vector_loops())


@pytest.mark.skipif(WHEEL_VENV is None, reason="only under `make test-wheel` (NDBRIDGE_WHEEL_TEST_VENV)")
def test_wheel_run_uses_the_fresh_venv_without_a_compiler_or_the_checkout():
    venv = pathlib.Path(str(WHEEL_VENV)).resolve()
    assert venv in PACKAGE.parents, f"ndbridge imported from {PACKAGE}, not from the fresh venv {venv}"
    assert pathlib.Path(sys.prefix).resolve() == venv, f"the interpreter's prefix is {sys.prefix}"
    assert not os.environ.get("PYTHONPATH"), f"PYTHONPATH is set: {os.environ['PYTHONPATH']}"
    for compiler in ("cc", "c++", "gcc", "g++", "clang", "clang++", "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-g++"):
        assert shutil.which(compiler) is None, f"{compiler} is on PATH: {shutil.which(compiler)}"
    assert SOURCE_TREE is not None
    source = pathlib.Path(SOURCE_TREE).resolve()
    for place in (PACKAGE, pathlib.Path(__file__).resolve(), pathlib.Path.cwd().resolve()):
        assert source != place and source not in place.parents, f"{place} is inside the checkout {source}"
