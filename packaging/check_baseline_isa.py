"""Checks that a wheel runs on any x86-64 CPU: no compile command of its build asks for a newer target
(-march, -mavx*, -mf16c, -mfma, ...), and the machine code of its extension and static core library uses
VEX/AVX instructions only inside functions of the run-time dispatched sources: those that carry target
attributes (today src/kernels/simd_cast.cpp, whose AVX2 loops run only where the CPU has AVX2). The
wheel's extension is stripped, so its functions are read from the build tree's copy, whose machine code
(.text) must be the shipped one's. The wheel was built from the sdist in a temporary directory, so the
sources are read from this checkout by their path inside the sdist.
Usage: check_baseline_isa.py WHEEL BUILD_DIR"""
import hashlib
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile

# Flags that would make any function need more than the x86-64 baseline.
TARGET_FLAG = re.compile(r"\s(-march=\S+|-mtune=native|-mavx\S*|-mf16c|-mfma|-msse[34]\S*|-mssse3|-mbmi\S*|-mpopcnt"
                         r"|-mlzcnt|-mmovbe|-mx86-64-v\d)")
# Instructions past the baseline (SSE2): VEX/EVEX-encoded ones (v...), wide registers, and common SSE3+ ones.
NEWER = re.compile(r"^\s*[0-9a-f]+:\s+(v[a-z0-9]+|popcnt|lzcnt|tzcnt|andn|bextr|shlx|shrx|sarx|pdep|pext|pshufb"
                   r"|ptest|round[sp][sd]|pmulld|pminsd|pmaxsd|blendv\w+|pblendvb|pextr[bdq]|pinsr[bdq]|insertps)\s"
                   r"|%[yz]mm")
FUNCTION = re.compile(r"^[0-9a-f]+ <(.+)>:$")
ROOT = pathlib.Path(__file__).resolve().parent.parent
DISPATCHED = re.compile(r"__attribute__\s*\(\(\s*target\s*\(|#\s*pragma\s+GCC\s+target")


def read_compile_commands(build_dir):
    """(count, [(file, offending flag)], object names of the sources with target attributes)."""
    commands = json.loads((pathlib.Path(build_dir) / "compile_commands.json").read_text())
    bad = [(c["file"], m.group(1)) for c in commands for m in [TARGET_FLAG.search(" " + c["command"])] if m]
    dispatched = {pathlib.Path(c["file"]).name + ".o" for c in commands
                  if (source := our_source(c["file"])) and DISPATCHED.search(source.read_text(errors="replace"))}
    return len(commands), bad, dispatched


def our_source(compiled):
    """This checkout's copy of a compiled file of the sdist (ndbridge-<version>/<path>); None for others'."""
    inside = re.search(r"/ndbridge-[0-9][^/]*/(.+)$", compiled)
    source = ROOT / inside.group(1) if inside else None
    return source if source is not None and source.is_file() else None


def functions_using_newer_instructions(binary):
    """{function: first such instruction} over the disassembly of an object, archive or shared library."""
    text = subprocess.run(["objdump", "-d", "-w", "--no-show-raw-insn", str(binary)], capture_output=True,
                          text=True, check=True).stdout
    found, current = {}, None
    for line in text.splitlines():
        head = FUNCTION.match(line)
        if head:
            current = head.group(1)
        elif current is not None and current not in found and NEWER.search(line):
            found[current] = line.strip()
    return found


def dispatched_functions(archive, workdir, dispatched):
    """Function symbols defined by the dispatched sources' objects and by no other object of the static
    library: a template instantiated there and elsewhere too is one function after linking, whichever copy
    the linker keeps, so it must be baseline code everywhere."""
    subprocess.run(["ar", "x", str(archive)], cwd=workdir, check=True)
    defined = {}
    for member in pathlib.Path(workdir).glob("*.o"):
        symbols = subprocess.run(["nm", "--defined-only", str(member)], capture_output=True, text=True,
                                 check=True).stdout
        rows = (line.split() for line in symbols.splitlines())
        defined[member.name] = {r[2] for r in rows if len(r) == 3 and r[1] in "tTWw"}
    inside = set().union(*(syms for name, syms in defined.items() if name in dispatched))
    elsewhere = set().union(*(syms for name, syms in defined.items() if name not in dispatched))
    return inside - elsewhere


def text_digest(binary):
    with tempfile.NamedTemporaryFile() as out:
        subprocess.run(["objcopy", "-O", "binary", "--only-section=.text", str(binary), out.name], check=True)
        return hashlib.sha256(pathlib.Path(out.name).read_bytes()).hexdigest()


def main(wheel, build_dir):
    failures = []
    count, bad, dispatched = read_compile_commands(build_dir)
    print(f"check_baseline_isa: {count} compile commands of the wheel build, {len(bad)} with a target flag; "
          f"sources with target attributes: {', '.join(sorted(d[:-2] for d in dispatched)) or 'none'}")
    failures += [f"{f}: {flag}" for f, flag in bad]
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(wheel).extractall(tmp)
        package = pathlib.Path(tmp) / "ndbridge"
        archive = next(package.glob("lib*/libndbridge_core.a"))
        objects = pathlib.Path(tmp) / "objects"
        objects.mkdir()
        allowed = dispatched_functions(archive, objects, dispatched)
        shipped = next(package.glob("_core*.so"))
        built = next((pathlib.Path(build_dir) / "bindings").glob("_core*.so"))
        if text_digest(shipped) != text_digest(built):
            failures.append(f"{built} is not the code of the shipped {shipped.name} (.text differs)")
        for binary in [built, archive]:
            newer = functions_using_newer_instructions(binary)
            outside = {f: i for f, i in newer.items() if f.split("@")[0] not in allowed}
            print(f"check_baseline_isa: {binary.name}: {len(newer)} functions use AVX or newer instructions, "
                  f"{len(newer) - len(outside)} of them in those sources, {len(outside)} elsewhere")
            failures += [f"{binary.name}: {f}: {i}" for f, i in sorted(outside.items())[:20]]
    for f in failures:
        print("  " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(*sys.argv[1:])
