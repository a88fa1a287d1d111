"""Give an environment nbgrader's *student view* and the course's start page.

Students get the Assignment List and the Validate button; the instructor's pieces
(formgrader, "create assignment", the course list) are switched off and locked, in the lab
front end and on the server. ``/`` opens lesson 00. The course's server extension
(``nncourse.server_extension``: live controls cost no favicon requests) is switched on, and
the kernel's execution indicator shows in the status bar (``SETTING_DEFAULTS``).

    python binder/student_view.py          # this Python environment (sys.prefix), as postBuild
    python binder/student_view.py --user   # $JUPYTER_CONFIG_DIR only

``python3 course.py lab`` uses the same :func:`configure` on a private folder that only its
own server reads (``JUPYTER_CONFIG_PATH``), so the student view on a laptop is the one on
Binder; ``configure(folder, instructor=True)`` is ``course.py lab --instructor``'s view.

It writes the same files as ``jupyter labextension disable/lock --level=...`` and
``jupyter server extension disable``, directly, so it needs no PATH and takes no time, and
it imports only the standard library (``course.py`` runs under any python3).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

LAB_PLUGINS_OFF = [
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
]
SERVER_EXTENSIONS_OFF = [
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
]
START_PAGE = "/lab/tree/lessons/00_welcome/00_welcome.ipynb"
START_PAGE_APPS = ("ServerApp", "LabApp", "JupyterNotebookApp")
CONFIG_NAME = "zz-nncourse-student-view.json"  # loaded after nbgrader.json, so it wins
# the course's own server extension (nncourse/server_extension.py: the browser keeps
# JupyterLab's favicons instead of fetching one at every live-control step), in both views
COURSE_EXTENSION = "nncourse.server_extension"
COURSE_EXTENSION_CONFIG = "nncourse-server-extension.json"
# JupyterLab settings' defaults, in both views (a student's own settings still win): the
# kernel's execution indicator shows in the status bar, not in the notebook's toolbar.
# That toolbar (a FAST ``jp-toolbar``) rescans every item it holds for focus, forcing a
# style and layout pass, whenever anything inside it changes, and the indicator changes
# twice per control step (busy, idle): the page's main thread is then still busy when the
# new picture arrives (docs/browser-and-binder.md, "Key press to new pixels").
SETTING_DEFAULTS = {
    "@jupyterlab/notebook-extension:tracker": {
        "kernelStatus": {"showOnStatusBar": True, "showProgress": True},
    },
}
SETTING_DEFAULTS_FILE = "default_setting_overrides.json"  # read by jupyterlab_server
# JupyterLab's build check and Build menu off, in both views: the course's extensions come
# prebuilt in their packages, so there is never anything to build, and the front end's check
# at every page load made the server run node three times (about 2 s of CPU a page load)
PAGE_CONFIG = {"buildCheck": False, "buildAvailable": False}


def config_dir(user: bool) -> Path:
    """The Jupyter config folder to write: the user's, or this environment's."""
    if user:
        from jupyter_core.paths import jupyter_config_dir

        return Path(jupyter_config_dir())
    return Path(sys.prefix) / "etc" / "jupyter"


def _update_json(path: Path, update: dict) -> None:
    data = json.loads(path.read_text()) if path.exists() else {}
    for key, value in update.items():
        if isinstance(value, dict):
            data.setdefault(key, {}).update(value)
        else:
            data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def configure(folder: Path, start_page: str = START_PAGE, *,
              instructor: bool = False) -> list[Path]:
    """Write the student view into the Jupyter config folder ``folder``; the files written.

    ``instructor=True`` writes the opposite: the same plugins and server extensions
    explicitly on and unlocked (the instructor's view), with the same start page.
    """
    off = not instructor
    page_config = folder / "labconfig" / "page_config.json"
    _update_json(page_config, {"disabledExtensions": dict.fromkeys(LAB_PLUGINS_OFF, off),
                               "lockedExtensions": dict.fromkeys(LAB_PLUGINS_OFF, off),
                               **PAGE_CONFIG})
    extensions = folder / "jupyter_server_config.d" / CONFIG_NAME
    _update_json(extensions, {"ServerApp": {
        "jpserver_extensions": dict.fromkeys(SERVER_EXTENSIONS_OFF, instructor)}})
    settings = folder / "labconfig" / SETTING_DEFAULTS_FILE
    _update_json(settings, SETTING_DEFAULTS)
    course = folder / "jupyter_server_config.d" / COURSE_EXTENSION_CONFIG
    _update_json(course, {"ServerApp": {"jpserver_extensions": {COURSE_EXTENSION: True}}})
    # `/` opens the start page, whichever front end started the server
    server = folder / "jupyter_server_config.json"
    _update_json(server, {app: {"default_url": start_page} for app in START_PAGE_APPS})
    return [page_config, extensions, settings, course, server]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", action="store_true",
                        help="write to the user's Jupyter config folder, not sys.prefix's")
    args = parser.parse_args(argv)
    for path in configure(config_dir(args.user)):
        print(f"student view: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
