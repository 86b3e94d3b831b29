"""Refuse to measure anything but the compiled C kernels, and say how to get them.

The benchmarks run from the source folder (``python -m benchmarks``), and
Python imports ``tinynet`` from the current folder before site-packages.  So
after a plain ``pip install .`` -- which compiles the C extension into the
installed copy, not into the source folder -- the benchmarks would import the
source tree, find no compiled extension there and silently measure the numpy
reference backend.  An editable install (``pip install -e .``) or
``python setup.py build_ext --inplace`` puts the extension in the source
folder, where the benchmarks find it.
"""

import importlib.machinery
import os
import sys

SOURCE_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BUILD_HINT = ("Build the C kernels in the source folder and run again:\n"
              "    pip install -e .          (needs a C compiler: gcc or clang)\n"
              "or  python setup.py build_ext --inplace")


def installed_copy_elsewhere(source_folder=SOURCE_FOLDER):
    """The folder of a tinynet that Python would import if the source folder were not on the path, or None."""
    folders = [p for p in sys.path if p not in ("", ".") and os.path.abspath(p) != source_folder]
    spec = importlib.machinery.PathFinder.find_spec("tinynet", folders)
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def refusal(build_info, imported_from, source_folder=SOURCE_FOLDER, installed_copy=None):
    """Why these benchmarks must not run with this tinynet, as a message saying what to do; None when all is well.

    ``imported_from`` is the folder tinynet was imported from, ``installed_copy``
    another installed tinynet's folder (see installed_copy_elsewhere).
    """
    if build_info.get("backend") == "c":
        return None
    reason = build_info.get("numpy_backend_reason", "unknown reason")
    head = ("tinynet is running on its numpy reference backend, not the compiled C kernels, "
            "so these benchmarks would measure the wrong thing; nothing was measured.")
    if reason.startswith("TINYNET_BACKEND"):
        return f"{head}\nThe environment says {reason}: unset TINYNET_BACKEND (or set it to c) and run again."
    in_source = os.path.abspath(imported_from) == os.path.join(os.path.abspath(source_folder), "tinynet")
    if in_source:
        where = (f"tinynet was imported from the source folder ({imported_from}), which has no compiled "
                 f"C extension: {reason}.")
        if installed_copy:
            where += (f"\nThe tinynet installed at {installed_copy} (by a plain `pip install .`) is not used: "
                      "running from the source folder imports the source tree first.")
        return f"{head}\n{where}\n{BUILD_HINT}"
    return (f"{head}\nThe tinynet at {imported_from} has no working C extension ({reason}).\n"
            "Reinstall it where a C compiler (gcc or clang) is available: `pip install .` from the source folder, "
            f"or, to run the benchmarks from the source folder:\n{BUILD_HINT}")


def check_c_backend():
    """Exit (status 2) with the refusal message unless tinynet runs on its C backend."""
    import warnings

    with warnings.catch_warnings():  # the message below says it better than tinynet's import warning
        warnings.simplefilter("ignore")
        import tinynet

    imported_from = os.path.dirname(os.path.abspath(tinynet.__file__))
    message = refusal(tinynet.build_info(), imported_from, SOURCE_FOLDER, installed_copy_elsewhere())
    if message:
        print(message, file=sys.stderr)
        sys.exit(2)
    return tinynet.build_info()
