"""Where the installed ndbridge keeps its C++ package: the headers and the CMake config of ndbridge::core and
ndbridge::nanobind, which the wheel carries inside the Python package so that an extension builds against the
very ndbridge it will run with (docs/cpp.md; ``python -m ndbridge --cmake_dir`` prints the same path)."""
import pathlib

_ROOT = pathlib.Path(__file__).resolve().parent


def get_include() -> str:
    """The directory to put on the include path for ``#include <ndbridge/nanobind.h>`` and the core's headers."""
    path = _ROOT / "include"
    if not (path / "ndbridge").is_dir():
        raise FileNotFoundError(f"ndbridge.get_include: {path} holds no ndbridge headers (this installation was "
                                "built without the C++ package; install the wheel or `pip install .`)")
    return str(path)


def get_cmake_dir() -> str:
    """The directory of ndbridgeConfig.cmake: pass it as ``ndbridge_DIR`` to ``find_package(ndbridge CONFIG)``."""
    found = sorted(_ROOT.glob("lib*/cmake/ndbridge/ndbridgeConfig.cmake"))
    if not found:
        raise FileNotFoundError(f"ndbridge.get_cmake_dir: no lib*/cmake/ndbridge/ndbridgeConfig.cmake under {_ROOT} "
                                "(this installation was built without the C++ package; install the wheel or "
                                "`pip install .`)")
    return str(found[0].parent)
