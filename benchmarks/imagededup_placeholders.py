"""Let imagededup's hash code import without torch or matplotlib (competitor side).

imagededup 0.3.3 imports its CNN models (torch) and its plotting (matplotlib) on package
load, from `imagededup.utils` and `imagededup.methods`, although hashing and hash search
never use them. Empty placeholder modules stand in for those three modules so that the
benchmarks can run imagededup's hash methods in a venv installed `--no-deps` without
torch. Call `install()` before importing anything from imagededup.
"""

from __future__ import annotations

import sys
import types

PLACEHOLDERS = {
    "imagededup.utils.models": {"CustomModel": object},
    "imagededup.utils.plotter": {"plot_duplicates": None},
    "imagededup.methods.cnn": {"CNN": object},
}


def install() -> None:
    for name, attributes in PLACEHOLDERS.items():
        placeholder = types.ModuleType(name)
        for attribute, value in attributes.items():
            setattr(placeholder, attribute, value)
        sys.modules[name] = placeholder
