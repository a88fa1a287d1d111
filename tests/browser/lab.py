"""Drive a real JupyterLab server from a real Chromium, for the browser tests and benchmarks.

``LabServer.start(root, home)`` runs ``jupyter lab`` on loopback with a random token, with
HOME and every Jupyter config, data, runtime, settings and workspace folder inside ``home``
(nothing leaks from or into the user's own Jupyter state), in nbgrader's *student view*
(``binder/student_view.py --user``: assignment list and Validate, no formgrader).
``LabServer.start_course(root, home)`` starts instead exactly what ``python3 course.py lab``
starts (``course.lab_command``), with the same test-only additions.
``launch_chromium(playwright)`` starts Debian's ``/usr/bin/chromium`` (never a downloaded
browser) and says why when it cannot. ``Lab`` wraps one page showing JupyterLab.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("NNCOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
]
# What a broken widget shows instead of itself (ipywidgets 8) and what a control panel
# shows when it catches an exception (nncourse.live.ControlPanel).
WIDGET_ERRORS = ("Error displaying widget", "model not found", "Could not draw")
# JupyterLab's own pop-ups that would cover the notebook.
_QUIET_PLUGINS = ["@jupyterlab/apputils-extension:announcements"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jupyter_env(home: Path) -> dict[str, str]:
    """The environment of a server (or a ``jupyter`` command) confined to ``home``."""
    import matplotlib

    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    env.update({
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / ".jupyter" / "lab" / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / ".jupyter" / "lab" / "workspaces"),
        "IPYTHONDIR": str(home / ".ipython"),
        # in a virtualenv Jupyter ranks the environment's config above the user's: the
        # student view written to ``home`` must win over sys.prefix's nbgrader.json
        "JUPYTER_PREFER_ENV_PATH": "0",
        "MPLCONFIGDIR": matplotlib.get_configdir(),  # a font cache, read only: saves seconds
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        # nbgrader's tools run `alembic`; kernels and servers come from this interpreter
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
    })
    return env


def student_view(home: Path) -> None:
    """Configure nbgrader's student view in ``home``'s Jupyter config, as Binder's postBuild
    does for the whole environment."""
    result = subprocess.run([sys.executable, str(ROOT / "binder" / "student_view.py"), "--user"],
                            env=jupyter_env(home), capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"binder/student_view.py --user failed:\n{result.stdout}{result.stderr}")
    quiet_lab(home)


def quiet_lab(home: Path) -> None:
    """Switch off JupyterLab's own pop-ups (announcements) in ``home``'s Jupyter config."""
    labconfig = home / ".jupyter" / "labconfig" / "page_config.json"
    config = json.loads(labconfig.read_text()) if labconfig.exists() else {}
    config.setdefault("disabledExtensions", {}).update(dict.fromkeys(_QUIET_PLUGINS, True))
    labconfig.parent.mkdir(parents=True, exist_ok=True)
    labconfig.write_text(json.dumps(config, indent=2))


def course_module() -> Any:
    """The repository's ``course.py`` (the README's ``python3 course.py lab``) as a module."""
    spec = importlib.util.spec_from_file_location("nncourse_course_command", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _test_args(port: int, token: str) -> list[str]:
    """What a test server adds to ``jupyter lab``: no browser, loopback, a port, a token."""
    return [
        "--no-browser", "--allow-root", f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
        "--ServerApp.shutdown_no_activity_timeout=1800",
    ]


@dataclass
class LabServer:
    """A running ``jupyter lab`` serving ``root``; stop it with :meth:`stop`."""

    root: Path
    home: Path
    port: int
    token: str
    process: subprocess.Popen
    log: Path
    started_s: float = 0.0
    _log_file: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, root: Path, home: Path, *, timeout: float = 90.0) -> LabServer:
        """Start a server on 127.0.0.1 with a fresh token and wait until it answers."""
        home.mkdir(parents=True, exist_ok=True)
        student_view(home)
        port, token = _free_port(), secrets.token_hex(16)
        command = [
            sys.executable, "-m", "jupyter", "lab", *_test_args(port, token),
            f"--ServerApp.root_dir={root}",
        ]
        return cls._launch(command, jupyter_env(home), root, home, port, token, timeout)

    @classmethod
    def start_course(cls, root: Path, home: Path, *, instructor: bool = False,
                     timeout: float = 90.0) -> LabServer:
        """Start what ``python3 course.py lab [--instructor]`` starts, serving the course
        folder ``root``: argv, environment and Jupyter config all come from
        ``course.lab_command``. The test adds only what a test needs: no browser, loopback,
        a free port, a token, ``window.jupyterapp``, and HOME and Jupyter state in ``home``
        (the view's config folder too, where ``course.py lab`` uses a temporary one)."""
        home.mkdir(parents=True, exist_ok=True)
        quiet_lab(home)
        port, token = _free_port(), secrets.token_hex(16)
        command = course_module().lab_command(
            _test_args(port, token), home / "course-config", instructor=instructor,
            root=root, environ=jupyter_env(home))
        return cls._launch(command.argv, command.env, Path(command.cwd), home, port, token,
                           timeout)

    @classmethod
    def _launch(cls, command: list[str], env: dict[str, str], root: Path, home: Path,
                port: int, token: str, timeout: float) -> LabServer:
        log = home / "jupyter-lab.log"
        log_file = log.open("w")
        begin = time.perf_counter()
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT)
        server = cls(root, home, port, token, process, log, _log_file=log_file)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                server.stop()
                raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n"
                                   f"{log.read_text()[-4000:]}")
            try:
                server.api("GET", "/api/status")
                server.started_s = time.perf_counter() - begin
                return server
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        server.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n"
                           f"{log.read_text()[-4000:]}")

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the server's REST API with the token; the decoded JSON reply (or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            text = reply.read()
        return json.loads(text) if text else None

    def lab_url(self, path: str = "") -> str:
        """The address that opens ``path`` (relative to the root) in a fresh Lab workspace."""
        tree = f"/tree/{path}" if path else ""
        return f"{self.url}/lab{tree}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        """Delete every session (and so its kernel)."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self._log_file is not None:
            self._log_file.close()


def lab_page(browser: Any, server: LabServer, artifacts: Path, node: Any,
             viewport: dict[str, int]) -> Iterator[Lab]:
    """A fresh page (own cookies, storage) on ``server``; closed afterwards with every kernel
    shut down. If the test ``node`` failed, a screenshot is kept in ``artifacts``."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(60_000)
    driver = Lab(page, server)
    yield driver
    failed = getattr(node, "rep_call", None)
    if failed is not None and failed.failed:
        name = node.name.replace("/", "_").replace("[", "-").replace("]", "")
        page.screenshot(path=str(artifacts / f"FAILED-{name}.png"), full_page=True)
    try:
        driver.close_all()
    finally:
        context.close()


def launch_chromium(playwright: Any, executable: str = CHROMIUM) -> Any:
    """Launch Debian's Chromium headless; RuntimeError saying why when it cannot."""
    if not Path(executable).exists():
        raise RuntimeError(
            f"Chromium is not installed at {executable}: run `apt-get install -y chromium` "
            "(the browser tests never download a browser), or set NNCOURSE_CHROMIUM.")
    try:
        return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                          timeout=60_000)
    except Exception as exc:  # playwright raises its own Error types
        raise RuntimeError(f"Chromium at {executable} did not start: {exc}") from exc


# --- JupyterLab in a page -------------------------------------------------------------------

_APP = "window.jupyterapp"
_CURRENT = f"{_APP}.shell.currentWidget"


class Lab:
    """One browser page showing JupyterLab from ``server``."""

    def __init__(self, page: Any, server: LabServer):
        self.page = page
        self.server = server

    def goto(self, path: str = "", timeout_ms: int = 90_000) -> None:
        """Load JupyterLab (opening ``path``) and wait until it is ready."""
        self.page.goto(self.server.lab_url(path), wait_until="domcontentloaded",
                       timeout=timeout_ms)
        self.page.wait_for_function(f"{_APP} && {_APP}.started !== undefined",
                                    timeout=timeout_ms)
        self.page.evaluate(f"{_APP}.restored")
        if path.endswith(".ipynb"):
            self.wait_notebook_ready(timeout_ms)

    def open(self, path: str, timeout_ms: int = 90_000) -> None:
        """Open a notebook in the running Lab and wait for its kernel."""
        self.page.evaluate(f"p => {_APP}.commands.execute('docmanager:open', {{path: p}})", path)
        self.page.wait_for_function(
            f"p => {_CURRENT} && {_CURRENT}.context && {_CURRENT}.context.path === p", arg=path,
            timeout=timeout_ms)
        self.wait_notebook_ready(timeout_ms)

    def wait_notebook_ready(self, timeout_ms: int = 90_000) -> None:
        """Wait until the current notebook has loaded and its kernel is idle."""
        self.page.wait_for_function(
            f"""() => {{ const w = {_CURRENT};
              return w && w.context && w.context.isReady && w.sessionContext
                && w.sessionContext.session && w.sessionContext.session.kernel
                && w.sessionContext.session.kernel.status === 'idle'; }}""",
            timeout=timeout_ms)

    def command(self, name: str, args: dict | None = None) -> Any:
        """Run a JupyterLab command and wait for the promise it returns."""
        return self.page.evaluate(
            f"([n, a]) => Promise.resolve({_APP}.commands.execute(n, a)).then(r => r === true)",
            [name, args or {}])

    def run_all(self, timeout_ms: int = 180_000) -> None:
        """Run every cell of the current notebook and wait until the kernel is done."""
        self.page.evaluate(f"{_APP}.commands.execute('notebook:run-all-cells')")
        self.wait_cells_done(timeout_ms)

    def run_all_from_menu(self, timeout_ms: int = 180_000) -> None:
        """Run > Run All Cells, clicked in the menu bar like a student does."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        self.page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        self.wait_cells_done(timeout_ms)

    def wait_cells_done(self, timeout_ms: int = 180_000) -> None:
        """Wait until no code cell is queued or running and the kernel is idle."""
        self.page.wait_for_function(
            f"""() => {{ const w = {_CURRENT};
              const k = w.sessionContext.session && w.sessionContext.session.kernel;
              if (!k || k.status !== 'idle') return false;
              return !w.content.widgets.some(c => c.model.type === 'code'
                && c.model.executionState === 'running'); }}""",
            timeout=timeout_ms, polling=200)
        # one more idle round trip: the last comm messages have reached the widgets
        self.page.wait_for_timeout(300)

    def error_outputs(self) -> list[str]:
        """Errors and stderr shown in the current notebook (first lines of each)."""
        return self.page.eval_on_selector_all(
            "[data-mime-type='application/vnd.jupyter.stderr']",
            "els => els.map(e => e.innerText.split('\\n').slice(0, 3).join(' / '))")

    def widget_problems(self) -> list[str]:
        """Every visible message of a broken widget, with the cell it is in."""
        return self.page.evaluate(
            """errors => {
              const found = [];
              for (const cell of document.querySelectorAll('.jp-Cell')) {
                const text = (cell.querySelector('.jp-Cell-outputWrapper') || {}).textContent || '';
                for (const e of errors) if (text.includes(e))
                  found.push(`cell ${cell.dataset.windowedListIndex ?? '?'}: ${e}`);
              }
              return found; }""", list(WIDGET_ERRORS))

    def widget_outputs(self) -> dict[str, bool]:
        """For each code cell whose output is a widget: whether a widget view is on the page."""
        return self.page.evaluate(f"""() => {{
            const found = {{}};
            {_CURRENT}.content.widgets.forEach((cell, i) => {{
              if (cell.model.type !== 'code') return;
              const outputs = cell.model.outputs.toJSON();
              if (!outputs.some(o => o.data && o.data['application/vnd.jupyter.widget-view+json']))
                return;
              found[`cell ${{i}} (${{cell.model.id}})`] = !!cell.node.querySelector(
                '.jp-OutputArea-output .jupyter-widgets');
            }});
            return found; }}""")

    def close_all(self) -> None:
        """Close every tab without saving and shut every kernel down."""
        self.page.evaluate(f"""async () => {{
            for (const w of Array.from({_APP}.shell.widgets('main'))) {{
              if (w.context) await w.context.sessionContext.shutdown().catch(() => null);
              w.dispose(); }} }}""")
        self.server.shutdown_kernels()


# --- Live controls ---------------------------------------------------------------------------

def slider_handle(page: Any, description: str) -> Any:
    """The noUiSlider handle (ipywidgets 8) of the slider labelled ``description``."""
    return slider(page, description).locator(".noUi-handle").first


def slider_readout(page: Any, description: str) -> Any:
    """The editable readout next to the slider labelled ``description``."""
    return slider(page, description).locator(".widget-readout").first


def slider(page: Any, description: str) -> Any:
    """The ipywidgets slider whose label is exactly ``description``."""
    return page.locator(".widget-slider").filter(has=page.locator(
        f"xpath=./label[normalize-space(text())='{description}']"))


# Page-side watcher, armed before a key press: resolves with the time (performance.now's
# clock) at which the browser presented the first frame showing the <img>'s next picture,
# or null after 10 s. It reads the Element Timing API (an entry for each new picture of an
# element marked ``elementtiming``, whose renderTime is that frame's presentation time), so
# nothing runs in the page per frame: measuring adds no work to what it measures.
_WATCH_PAINT = """
(img) => {
  if (!PerformanceObserver.supportedEntryTypes.includes('element'))
    throw new Error('this browser has no Element Timing API');
  img.setAttribute('elementtiming', 'nncourse-live');
  const src = img.src;
  window.__keydown = null;
  document.addEventListener('keydown', (e) => { window.__keydown = e.timeStamp; },
                            {capture: true, once: true});
  window.__painted = new Promise((resolve) => {
    const done = (value) => { observer.disconnect(); clearTimeout(timer); resolve(value); };
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if (entry.identifier === 'nncourse-live' && window.__keydown !== null
            && entry.renderTime >= window.__keydown && img.src !== src) done(entry.renderTime);
    });
    observer.observe({type: 'element'});
    const timer = setTimeout(() => done(null), 10000);
  });
}
"""


def key_to_pixels_ms(page: Any, handle: Any, image: Any, key: str = "ArrowRight") -> float:
    """Press ``key`` on a focused slider handle; milliseconds from the keydown event's time
    stamp to the presentation of the first frame showing the image's next picture.

    The whole round trip: slider -> comm message -> kernel (recompute, blit, PNG) -> comm
    message -> ``<img>`` source -> decode -> paint -> frame on screen. The pixels are
    compared before the press and after the paint, outside the timed span."""
    before = image_fingerprint(image)
    image.evaluate(_WATCH_PAINT)
    handle.focus()
    handle.press(key)
    painted = page.evaluate("window.__painted")
    keydown = page.evaluate("window.__keydown")
    if painted is None or keydown is None:
        raise AssertionError(f"no new picture was painted within 10 s of pressing {key}")
    if image_fingerprint(image) == before:
        raise AssertionError(f"pressing {key} painted a picture with the same pixels")
    return painted - keydown


def image_fingerprint(image: Any, left: float = 0.0, right: float = 1.0) -> str:
    """A hash of the pixels an ``<img>`` shows now, between the fractions ``left`` and
    ``right`` of its width (e.g. ``0.5, 1.0``: the right half)."""
    return image.evaluate("""(img, [left, right]) => {
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        const x0 = Math.floor(left * c.width), x1 = Math.max(x0 + 1, Math.floor(right * c.width));
        const d = g.getImageData(x0, 0, x1 - x0, c.height).data;
        let h = 0; for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]) | 0;
        return h + ':' + (x1 - x0) + 'x' + c.height; }""", [left, right])
