"""Finding and importing plotter modules.

A plotter is a `*.py` file whose name does not start with `_` (those are helpers a
plotter may import) and that defines `plot(df, output_dir, **options)`. Folders are
searched in order: the built-in `plotters/` next to this file, then every
`--plotters DIR` as given; within a folder, by file name. The plotter's name is its
file name without `.py`; a later folder's plotter of the same name replaces the
earlier one (a user can restyle a built-in plot without editing it) and runs in
the later folder's place.

Importing is separate from running so the script can import the plotters while
`pal analyze` is still working. A module that fails to import is kept, with its
error, to be reported by file name; it never stops the others.
Standard library only (the plotter modules themselves import what they need).
"""
from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass, field
from types import ModuleType
from typing import List, Optional, Sequence, Tuple

BUILTIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plotters")


@dataclass
class Plotter:
    """One discovered plotter file, imported or not."""

    name: str
    path: str
    module: Optional[ModuleType] = None
    error: Optional[str] = None  # one line: why the import failed
    traceback: Optional[str] = None
    replaces: List[str] = field(default_factory=list)  # paths of same-named plotters it overrides


def find(dirs: Sequence[str]) -> List[Plotter]:
    """The plotter files of `dirs`, in run order, later folders overriding by name."""
    chosen: dict = {}
    order: List[Tuple[int, str]] = []
    for index, folder in enumerate(dirs):
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".py") and not n.startswith(("_", ".")))
        except OSError:
            continue
        for file_name in names:
            path = os.path.join(folder, file_name)
            if not os.path.isfile(path):
                continue
            name = file_name[:-3]
            plotter = Plotter(name=name, path=path)
            if name in chosen:
                old = chosen[name]
                plotter.replaces = old.replaces + [old.path]
                order = [o for o in order if o[1] != name]
            chosen[name] = plotter
            order.append((index, name))
    return [chosen[name] for _, name in order]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return type(exc).__name__ + (": " + text[0] if text else "")


def load(plotter: Plotter, index: int) -> Plotter:
    """Imports the plotter's file as a module of its own (never a package import), with
    its folder on sys.path so it can import helper modules next to it."""
    folder = os.path.dirname(os.path.abspath(plotter.path))
    if folder not in sys.path:
        sys.path.append(folder)
    module_name = f"pal_plotter_{index}_{plotter.name}"
    try:
        spec = importlib.util.spec_from_file_location(module_name, plotter.path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {plotter.path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # a broken plotter must not stop the others
        sys.modules.pop(module_name, None)
        plotter.error = "import failed: " + _one_line(exc)
        plotter.traceback = traceback.format_exc()
        return plotter
    plotter.module = module
    return plotter


def is_plotter(plotter: Plotter) -> bool:
    """False for an imported module without a callable `plot`: a helper, not a plotter.
    A module that failed to import counts as a plotter (its failure is reported)."""
    return plotter.module is None or callable(getattr(plotter.module, "plot", None))


def description(plotter: Plotter) -> str:
    """DESCRIPTION, else the first line of the module docstring, else the name."""
    module = plotter.module
    text = getattr(module, "DESCRIPTION", None) if module else None
    if not text and module is not None and module.__doc__:
        lines = [ln.strip() for ln in module.__doc__.strip().splitlines()]
        text = lines[0] if lines else None
    return str(text) if text else plotter.name


def discover(extra_dirs: Sequence[str]) -> Tuple[List[Plotter], List[Plotter]]:
    """Finds and imports every plotter of the built-in folder and `extra_dirs`.

    Returns (plotters, modules without a `plot` function)."""
    loaded = [load(p, i) for i, p in enumerate(find([BUILTIN_DIR, *extra_dirs]))]
    return [p for p in loaded if is_plotter(p)], [p for p in loaded if not is_plotter(p)]
