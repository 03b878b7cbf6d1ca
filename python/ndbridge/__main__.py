"""``python -m ndbridge --cmake_dir``: where the installed C++ package lives, for ``find_package(ndbridge)``.

The wheel carries ndbridge's C++ headers, the static core library and its CMake package config, so that
a C++ extension (see docs/cpp.md) builds against the very ndbridge it will run with. The paths come from
ndbridge.get_cmake_dir() and ndbridge.get_include(); --version prints ndbridge.__version__.
"""
import argparse
import sys

from ._cpp_package import get_cmake_dir, get_include
from ._version import __version__


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ndbridge", description=__doc__.splitlines()[0])
    parser.add_argument("--cmake_dir", action="store_true", help="print the directory of ndbridgeConfig.cmake")
    parser.add_argument("--include_dir", action="store_true", help="print the C++ include directory")
    parser.add_argument("--version", action="store_true", help="print the installed ndbridge's version")
    args = parser.parse_args(argv)
    try:
        if args.cmake_dir:
            print(get_cmake_dir())
        elif args.include_dir:
            print(get_include())
        elif args.version:
            print(__version__)
        else:
            parser.print_help()
    except FileNotFoundError as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main()
