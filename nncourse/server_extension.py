"""A Jupyter server extension: the browser keeps JupyterLab's favicons instead of asking
the server for one at every slider step.

JupyterLab swaps the page's favicon (``favicon.ico`` <-> ``favicon-busy-1.ico``) each time
the kernel turns busy or idle: twice per change of a live control. Jupyter serves those
files with ``Cache-Control: no-cache``, so each swap is an HTTP request to the server, the
first one while the kernel draws the new picture. Marking ``<base_url>static/favicons/``
immutable (jupyter_server's own ``static_immutable_cache``, which takes whole URL paths,
so Binder's per-user base URL has to be added where it is known: here) ends the requests.

Switched on by ``binder/student_view.py`` (``python3 course.py lab`` and Binder alike).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

MODULE = "nncourse.server_extension"


def favicon_path(base_url: str) -> str:
    """The URL path prefix of JupyterLab's favicons on a server at ``base_url``."""
    return url_path_join(base_url, "static", "favicons") + "/"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": MODULE}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    immutable = list(settings.get("static_immutable_cache") or [])
    path = favicon_path(serverapp.base_url)
    if path not in immutable:
        settings["static_immutable_cache"] = [*immutable, path]
