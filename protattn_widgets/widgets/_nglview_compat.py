"""nglview with the module version its installed front-end really registers.

The trap
--------
nglview 4.0.1 (current on PyPI) ships the 3.1.5 build of its front-end (the
``nglview-js-widgets`` JupyterLab extension registers itself as version
``3.1.5``), while its Python widgets ask the browser for module version
``"4.0"`` (``nglview._frontend.__frontend_version__``).  The widget manager
reads a bare ``"4.0"`` as the semver range ``4.0.x``, finds only 3.1.5 and
shows an error box instead of the view: *Module nglview-js-widgets, version
4.0 is not registered*.  Version 4.0 of the front-end was never published to
npm either (nglview issue #1181), so a CDN cannot supply it.

The fix
-------
:func:`frontend_version` reads the version the installed front-end registers
from the labextension's ``package.json`` in the Jupyter data path.
:class:`NGLWidget` is ``nglview.NGLWidget`` with ``_view_module_version`` and
``_model_module_version`` set to it.  nglview also creates (and, inside
IPython, displays) a ``ColormakerRegistry`` widget while it is being imported;
:func:`import_nglview` makes that one, too, ask for the installed version, by
providing the ``nglview._frontend`` module before nglview is imported the
first time.  When nglview was imported before us, its registry widget is
already open with the wrong version; we still fix its traits and warn.

Nothing here changes numpy or any other pin: nglview 4.0.1 requires only
``numpy`` (no upper bound).
"""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path
from ..errors import warn as warn_user

__all__ = ["FRONTEND_MODULE", "FALLBACK_FRONTEND_VERSION", "frontend_version", "import_nglview", "NGLWidget"]

FRONTEND_MODULE = "nglview-js-widgets"
#: The newest front-end published on npm (what a CDN would serve) as of nglview 4.0.1.
FALLBACK_FRONTEND_VERSION = "3.1.5"
_SEMVER = re.compile(r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


def _labextension_dirs() -> list[Path]:
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:  # jupyter_core comes with ipywidgets; be safe anyway
        return [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]
    return [Path(p) for p in jupyter_path("labextensions")]


def installed_frontend_version() -> str | None:
    """Version of the first ``nglview-js-widgets`` labextension on the Jupyter path.

    That is the extension JupyterLab and Notebook 7 load (the first match
    wins there too), hence the version its ``registerWidget`` call uses.
    ``None`` when none is installed (e.g. front-ends that load widgets from a CDN).
    """
    for directory in _labextension_dirs():
        package = directory / FRONTEND_MODULE / "package.json"
        try:
            version = json.loads(package.read_text(encoding="utf-8")).get("version", "")
        except (OSError, ValueError):
            continue
        if isinstance(version, str) and _SEMVER.match(version):
            return version
    return None


def frontend_version() -> str:
    """The ``nglview-js-widgets`` version our widgets ask the browser for.

    The installed labextension's exact version; without one,
    :data:`FALLBACK_FRONTEND_VERSION`, the newest build that exists on npm.
    """
    return installed_frontend_version() or FALLBACK_FRONTEND_VERSION


def import_nglview() -> types.ModuleType:
    """Import nglview so that every widget it creates asks for :func:`frontend_version`."""
    version = frontend_version()
    if "nglview" not in sys.modules:
        # nglview's classes copy ``nglview._frontend.__frontend_version__`` when they
        # are defined, and ``nglview.color`` opens a ColormakerRegistry widget at
        # import.  A module already in sys.modules is used as it is, so this one
        # decides the version of all of them.
        frontend = types.ModuleType("nglview._frontend")
        frontend.__frontend_version__ = version
        sys.modules["nglview._frontend"] = frontend
        try:
            import nglview
        except BaseException:
            sys.modules.pop("nglview._frontend", None)
            raise
        nglview._frontend = frontend
        return nglview

    import nglview
    from nglview import color

    registry = getattr(color, "ColormakerRegistry", None)
    if registry is not None and getattr(registry, "_model_module_version", version) != version:
        registry._view_module_version = version
        registry._model_module_version = version
        warn_user(
            f"nglview was imported before protattn_widgets: its ColormakerRegistry widget asked "
            f"the browser for {FRONTEND_MODULE} {nglview._frontend.__frontend_version__!r}, but "
            f"the installed front-end is {version}, so JupyterLab may show a 'not registered' "
            f"box under that import. Our views are not affected.",
        )
    return nglview


_nglview = import_nglview()

from traitlets import Unicode  # noqa: E402  (after nglview, on purpose)


class NGLWidget(_nglview.NGLWidget):
    """``nglview.NGLWidget`` asking for the front-end version that is installed."""

    _view_module_version = Unicode(frontend_version()).tag(sync=True)
    _model_module_version = Unicode(frontend_version()).tag(sync=True)
