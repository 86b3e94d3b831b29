"""Builds tinynet's C kernels into the Python extension ``tinynet._tinynet_c``.

cffi in API (out-of-line) mode: ``setup.py`` names this file in
``cffi_modules``, and cffi compiles every ``.c`` file under ``csrc/`` (the
top level and the kernel families' folders: ``common/``, ``gemm/``,
``conv/``, ``pool/``) together with a small generated wrapper into one
extension module.  The function declarations
that Python may call are read from ``csrc/tinynet.h`` (between its "cffi"
markers), so the header is the single statement of the C API.

Build choices, each probed rather than assumed:
  * OpenMP when the compiler accepts ``-fopenmp`` (Apple clang does not: the
    kernels then run single-threaded);
  * no ``-march=native``: wide SIMD kernels carry their own target attributes
    and are chosen at run time (csrc/runtime.c), so a built wheel runs on any
    x86-64 CPU;
  * ``TINYNET_SANITIZE=1`` adds AddressSanitizer and UBSan for testing.
"""

import glob
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))


def read_cdef(header_path):
    """The declarations between the cffi-begin and cffi-end markers."""
    with open(header_path) as f:
        text = f.read()
    begin = text.index("/* cffi-begin */") + len("/* cffi-begin */")
    end = text.index("/* cffi-end */")
    return text[begin:end]


def compiler_command():
    """The C compiler Python's own build used (overridable with $CC)."""
    return shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")


def compiler_accepts(flags):
    """True when the compiler builds and links a tiny OpenMP-using program with ``flags``."""
    source = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(source)
        cmd = compiler_command() + flags + [src, "-o", os.path.join(tmp, "probe")]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
        return done.returncode == 0


def build_flags():
    """(compile_flags, link_flags, uses_openmp) for this compiler and platform."""
    if sys.platform == "win32":
        return ["/O2", "/openmp"], [], True
    compile_flags = ["-O3", "-std=c11", "-fno-strict-aliasing", "-fno-math-errno"]
    link_flags = []
    uses_openmp = compiler_accepts(["-fopenmp"])
    if uses_openmp:
        compile_flags.append("-fopenmp")
        link_flags.append("-fopenmp")
    else:
        print("tinynet: the C compiler has no OpenMP; kernels will run single-threaded", file=sys.stderr)
    if os.environ.get("TINYNET_SANITIZE") == "1":
        # -fno-wrapv: Python's own CFLAGS carry -fwrapv, which makes signed overflow defined
        # and so invisible to UBSan -- yet overflow in size arithmetic is what we most want caught.
        sanitize = ["-fsanitize=address,undefined", "-fno-wrapv", "-fno-omit-frame-pointer", "-g"]
        compile_flags += sanitize
        link_flags += sanitize
    return compile_flags, link_flags, uses_openmp


def find_files(*patterns):
    """Every file under csrc/ (the top level and its subfolders) matching one of the patterns, sorted."""
    found = set()
    for pattern in patterns:
        found.update(glob.glob(os.path.join(HERE, "**", pattern), recursive=True))
    return sorted(found)


def make_ffibuilder():
    header = os.path.join(HERE, "tinynet.h")
    sources = find_files("*.c")
    compile_flags, link_flags, _ = build_flags()
    compiler = " ".join(compiler_command())
    flags_text = " ".join(compile_flags)

    builder = FFI()
    builder.cdef(read_cdef(header))
    builder.set_source(
        "tinynet._tinynet_c",
        '#include "tinynet.h"',
        sources=[os.path.relpath(s) for s in sources],
        # the included files too, so that editing one rebuilds (setuptools looks at these dates)
        depends=[os.path.relpath(d) for d in find_files("*.h", "*.inc")],
        # every #include names its path from csrc/: "common/simd.h", "gemm/gemm.h"
        include_dirs=[os.path.relpath(HERE)],
        extra_compile_args=compile_flags,
        extra_link_args=link_flags,
        define_macros=[
            ("TN_BUILD_COMPILER", '"%s"' % compiler.replace('"', "'")),
            ("TN_BUILD_FLAGS", '"%s"' % flags_text.replace('"', "'")),
        ],
    )
    return builder


ffibuilder = make_ffibuilder()

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
