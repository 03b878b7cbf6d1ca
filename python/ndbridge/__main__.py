"""``python -m ndbridge --cmake_dir``: where the installed C++ package lives, for ``find_package(ndbridge)``.

The wheel carries ndbridge's C++ headers, the static core library and its CMake package config, so that
a C++ extension (see docs/cpp.md) builds against the very ndbridge it will run with.
"""
import argparse
import pathlib
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ndbridge", description=__doc__.splitlines()[0])
    parser.add_argument("--cmake_dir", action="store_true", help="print the directory of ndbridgeConfig.cmake")
    parser.add_argument("--include_dir", action="store_true", help="print the C++ include directory")
    args = parser.parse_args(argv)
    root = pathlib.Path(__file__).resolve().parent
    if args.cmake_dir:
        found = sorted(root.glob("lib*/cmake/ndbridge"))
        if not found:
            sys.exit("ndbridge: this installation carries no C++ package (built without the Python wheel's install step)")
        print(found[0])
    elif args.include_dir:
        print(root / "include")
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
