"""Build script: compiles the C kernels (csrc/) through cffi at ``pip install .``.

Project metadata lives in pyproject.toml.  This file only adds the compiled
extension, and makes its failure non-fatal: on a machine with no working C
compiler the package still installs, with a warning, and runs on the numpy
reference backend (``tinynet.build_info()["backend"] == "numpy"``).
"""

import sys

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py


class OptionalBuildExt(build_ext):
    """build_ext that warns instead of failing when the C code cannot be compiled."""

    def run(self):
        try:
            super().run()
        except Exception as error:  # compiler missing, or a compile error
            self.warn_no_extension(error)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as error:
            self.warn_no_extension(error)

    @staticmethod
    def warn_no_extension(error):
        print(
            "\n*** tinynet: the C kernels could not be built (%s).\n"
            "*** tinynet is installed and will run on its numpy reference backend, which is much slower.\n"
            % error,
            file=sys.stderr,
        )


class BuildPyWithDocs(build_py):
    """build_py that also copies docs/ (the Markdown pages and their figures) into the package as
    tinynet/_docs, so that ``tinynet tour`` can link its lessons to the math even when installed."""

    def run(self):
        super().run()
        source, target = Path(__file__).resolve().parent / "docs", Path(self.build_lib) / "tinynet" / "_docs"
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.py", "images", "__pycache__"))


setup(
    cffi_modules=["csrc/build_ffi.py:ffibuilder"],
    cmdclass={"build_ext": OptionalBuildExt, "build_py": BuildPyWithDocs},
)
