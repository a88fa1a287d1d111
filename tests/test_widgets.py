"""Live controls, without a browser: moving a control changes what is drawn, in place."""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, move_control
from PIL import Image
from support.stacking import axes_edges, whole_figure

from nncourse.live import PNG_URL_PREFIX, ControlPanel, LiveFigure, png_bytes, slider
from nncourse.widgets.neuron import DEFAULTS, SLIDER_RANGE, neuron_explorer, neuron_state
from nncourse.widgets.welcome import SCALE_SLIDER, raw_limits, rescale_state, scale_explorer


def test_neuron_state_is_the_sigmoid_of_the_weighted_sum():
    state = neuron_state(2.0, -1.0, 0.5, "AND")
    points = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_allclose(state["p"], 1 / (1 + np.exp(-(points @ [2.0, -1.0] + 0.5))))
    assert state["correct"] == int(((state["p"] >= 0.5) == [0, 0, 0, 1]).sum())


def test_and_weights_solve_and_but_not_xor():
    assert neuron_state(1.0, 1.0, -1.5, "AND")["correct"] == 4
    assert neuron_state(1.0, 1.0, -0.5, "OR")["correct"] == 4
    assert max(neuron_state(w1, w2, b, "XOR")["correct"]
               for w1 in (-2, 1, 2) for w2 in (-2, 1, 2) for b in (-3, -1, 0, 1)) == 3


def test_unknown_gate_is_a_clear_error():
    with pytest.raises(ValueError, match="gate should be one of"):
        neuron_state(1, 1, 0, "NAND")


def test_moving_w1_redraws_the_same_figure():
    panel = neuron_explorer()
    move_control(panel, "w1", -3.0)
    w2, b = DEFAULTS["w2"], DEFAULTS["b"]
    np.testing.assert_allclose(panel.state["p"], neuron_state(-3.0, w2, b)["p"])
    x_line, y_line = panel.live.boundary.get_data()
    np.testing.assert_allclose(y_line, -(-3.0 * np.asarray(x_line) + b) / w2)


def test_neuron_explorer_stacks_its_artists_as_a_whole_figure_draw():
    """Surface under the boundary under the axes' frame under the dots and rings, as
    matplotlib draws the figure whole (support/stacking.py): the surface covered the frame's
    top and left. Only where the y axis's tick marks, drawn once under the surface, meet the
    frame may a pixel differ."""
    live, whole = neuron_explorer(), neuron_explorer()
    edges = axes_edges(live.live.figure)
    for name, value in [(None, None), ("w1", -3.0), ("b", 2.5), ("w2", 4.0), ("gate", "OR")]:
        if name is not None:
            for panel in (live, whole):
                panel.controls[name].value = value
        differ = (np.asarray(live.live.canvas.buffer_rgba()) != whole_figure(whole.live)
                  ).any(axis=2)
        assert not (differ & ~edges).any(), (name, np.argwhere(differ & ~edges)[:5])
        assert differ.sum() <= 12, (name, differ.sum())


def test_neuron_explorer_draws_the_pixels_of_matplotlibs_imshow(monkeypatch):
    """The surface is a BlockImage (a cell map, not a resampling, per redraw): every frame is
    the one matplotlib's own ``imshow`` gives."""
    from nncourse.widgets import neuron

    def imshow(ax, data, cmap, vmin, vmax, **options):
        return ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, **options)

    fast = neuron_explorer()
    with monkeypatch.context() as patch:
        patch.setattr(neuron, "block_image", imshow)
        plain = neuron_explorer()
    assert type(fast.live.surface).__name__ == "BlockImage"
    assert type(plain.live.surface).__name__ == "AxesImage"
    for name, value in [("w1", 3.2), ("w2", -4.7), ("b", 1.3), ("gate", "XOR"), ("w1", -0.1)]:
        for panel in (fast, plain):
            panel.controls[name].value = value
        assert fast.live.png == plain.live.png, f"{name}={value}"
    assert list(fast.live.surface._maps.values())[0] is not False


def test_neuron_explorer_opens_on_its_defaults_which_solve_no_gate_yet():
    panel = neuron_explorer()
    assert panel.values == DEFAULTS
    for gate in ("AND", "OR"):
        assert neuron_state(DEFAULTS["w1"], DEFAULTS["w2"], DEFAULTS["b"], gate)["correct"] < 4
    for name in ("w1", "w2", "b"):
        control = panel.controls[name]
        assert (control.min, control.max, control.step) == (
            SLIDER_RANGE["low"], SLIDER_RANGE["high"], SLIDER_RANGE["step"])


def test_neuron_table_never_shows_a_zero_z_with_prediction_0():
    """Float noise (z = -2.2e-16 at w1=-5, w2=3.3, b=1.7) must not show "-0.00 ... 0"."""
    state = neuron_state(-5.0, 3.3, 1.7)
    assert state["z"][3] == 0.0 and not np.signbit(state["z"][3])
    assert state["p"][3] == 0.5 and state["predicted"][3] == 1
    panel = neuron_explorer(-5.0, 3.3, 1.7)
    assert "<td>+0.00</td><td>0.500</td><td>1</td>" in panel.readout.value
    assert "-0.00" not in panel.readout.value
    values = np.round(np.arange(-5.0, 5.01, 0.1), 10)
    for w1 in values[::3]:
        for w2 in values:
            z = neuron_state(w1, w2, -w2)["z"]  # the point (0, 1) sits on the boundary
            assert z[1] == 0.0


def test_welcome_explorer_names_foot_length():
    panel = scale_explorer()
    assert "foot length" in panel.readout.value and "shoe" not in panel.readout.value
    assert panel.live.axes[0].get_ylabel() == "foot length (cm) x scale"


def test_welcome_readout_names_the_order_of_its_ratio():
    """"ratio 19.9:1" read as height:foot; the readout says which spread is over which."""
    from nncourse.widgets.welcome import readout
    for value, ratio in ((2.0, "19.9"), (0.0, "0.199"), (-1.0, "0.0199")):
        text = readout(rescale_state(value))
        assert f"(foot length / height = {ratio})" in text, text
        assert ":1" not in text


def test_neuron_rings_mark_wrong_predictions_in_yellow_and_black():
    panel = neuron_explorer()
    for gate in ("OR", "XOR", "AND"):
        move_control(panel, "gate", gate)
        wrong = panel.state["predicted"] != panel.state["target"]
        for ring in (panel.live.ring_inner, panel.live.ring_outer):
            np.testing.assert_array_equal(ring.get_edgecolors()[:, 3], wrong.astype(float))
    for name, value in (("gate", "AND"), ("w1", 1.0), ("w2", 1.0), ("b", -1.5)):
        panel.controls[name].value = value
    assert panel.state["correct"] == 4
    assert (panel.live.ring_inner.get_edgecolors()[:, 3] == 0.0).all()  # no ring when all right


def test_gate_dropdown_changes_targets():
    panel = neuron_explorer()
    panel.controls["gate"].value = "XOR"
    assert list(panel.state["target"]) == [0, 1, 1, 0]
    assert "XOR" in panel.readout.value


def test_scale_slider_moves_raw_but_not_standardized():
    panel = scale_explorer()
    before = panel.live.scaled_points.get_xydata().copy()
    raw_before = panel.live.raw_points.get_xydata().copy()
    move_control(panel, "log10_scale", 2.0)
    np.testing.assert_allclose(panel.live.scaled_points.get_xydata(), before, atol=1e-9)
    np.testing.assert_allclose(panel.live.raw_points.get_xydata()[:, 1], raw_before[:, 1] * 100.0)
    assert rescale_state(2.0)["scale"] == pytest.approx(100.0)


def test_scale_explorer_raw_axes_stay_put_and_hold_the_cloud():
    """The raw plot's limits are fixed, so dragging visibly moves the cloud (issue 9)."""
    panel = scale_explorer()
    raw_ax = panel.live.axes[0]
    slider_control = panel.controls["log10_scale"]
    assert (slider_control.value, slider_control.min, slider_control.max, slider_control.step) == (
        SCALE_SLIDER["value"], SCALE_SLIDER["low"], SCALE_SLIDER["high"], SCALE_SLIDER["step"])
    assert raw_ax.get_yscale() == "log"
    limits = (raw_ax.get_xlim(), raw_ax.get_ylim())
    assert limits == raw_limits()
    for value in (SCALE_SLIDER["low"], SCALE_SLIDER["high"]):
        move_control(panel, "log10_scale", value)
        assert (raw_ax.get_xlim(), raw_ax.get_ylim()) == limits
        y = panel.live.raw_points.get_xydata()[:, 1]
        assert limits[1][0] < y.min() and y.max() < limits[1][1]


def test_a_failing_compute_shows_an_error_instead_of_dying():
    live = LiveFigure()
    (line,) = live.ax.plot([0, 1], [0, 1])
    live.animate(line)

    def compute(k):
        if k > 1:
            raise ValueError("k too large")
        return {"y": [0, k]}

    def draw(live, state):
        line.set_ydata(state["y"])
        return "ok"

    panel = ControlPanel({"k": slider("k", 0.5, 0.0, 2.0)}, compute, draw, live)
    assert panel.readout.value == "ok"
    panel.controls["k"].value = 2.0
    assert "Could not draw: ValueError: k too large" in panel.readout.value
    panel.controls["k"].value = 1.0
    assert panel.readout.value == "ok"


def _decoded(png: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture


@pytest.mark.parametrize("opaque", [True, False])
@pytest.mark.parametrize("strided", [False, True])
def test_png_bytes_is_lossless(opaque, strided):
    """Every pixel comes back exactly; an opaque picture is stored without its alpha; a
    strided view of a picture is encoded as the picture it shows."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    if opaque:
        pixels[..., 3] = 255
    if strided:
        pixels = pixels[::2, ::3]
    picture = _decoded(png_bytes(pixels))
    assert picture.mode == ("RGB" if opaque else "RGBA")
    assert picture.size == (pixels.shape[1], pixels.shape[0])
    expected = pixels[..., :3] if opaque else pixels
    assert np.array_equal(np.asarray(picture), expected)


def test_a_live_frame_shows_exactly_the_figure_as_a_png_data_url():
    panel = neuron_explorer()
    live = panel.live
    move_control(panel, "w1", 2.0)
    url = bytes(live.image.value)
    assert live.image.format == "url" and url.startswith(PNG_URL_PREFIX)
    assert base64.b64decode(url[len(PNG_URL_PREFIX):]) == live.png
    canvas = np.asarray(live.canvas.buffer_rgba())
    assert np.array_equal(np.asarray(_decoded(live.png).convert("RGBA")), canvas)
    bundle = panel._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == live.png


def test_the_readout_follows_even_when_drawing_fails():
    live = LiveFigure()
    (line,) = live.ax.plot([0, 1], [0, 1])
    live.animate(line)

    def draw(live, state):
        line.set_ydata(state["y"])  # a wrong length fails only when the line is drawn
        return f"{len(state['y'])} points"

    panel = ControlPanel({"n": slider("n", 2, 1, 3, 1)}, lambda n: {"y": [0] * int(n)}, draw,
                         live)
    assert panel.readout.value == "2 points"
    with pytest.raises(Exception):  # noqa: B017, PT011 - matplotlib's own error type
        panel.controls["n"].value = 3
    assert panel.readout.value == "3 points"


def test_doubling_weights_and_bias_keeps_the_boundary_and_sharpens_the_output():
    """Lesson 01's self-check 01.double-weights: z = 0 where 2z = 0."""
    once, twice = neuron_state(1.0, 1.0, -1.5, "AND"), neuron_state(2.0, 2.0, -3.0, "AND")
    np.testing.assert_allclose(once["line"], twice["line"])
    assert np.array_equal(once["predicted"], twice["predicted"])
    assert (np.abs(twice["surface"] - 0.5) >= np.abs(once["surface"] - 0.5) - 1e-12).all()


def test_the_server_extension_keeps_jupyterlabs_favicons_in_the_browser_cache():
    """Each busy/idle swaps JupyterLab's favicon: twice per live-control step. The course's
    server extension marks them immutable under the server's base URL (Binder's is per
    user), so the browser stops asking the server for them."""
    from types import SimpleNamespace

    import jupyter_server

    from nncourse import server_extension

    assert server_extension._jupyter_server_extension_points() == [
        {"module": "nncourse.server_extension"}]
    static = Path(jupyter_server.__file__).parent / "static" / "favicons"
    assert (static / "favicon.ico").is_file() and (static / "favicon-busy-1.ico").is_file()
    for base_url, path in (("/", "/static/favicons/"),
                           ("/user/ada/", "/user/ada/static/favicons/")):
        app = SimpleNamespace(base_url=base_url, web_app=SimpleNamespace(
            settings={"static_immutable_cache": ["/static/lab/"]}))
        server_extension._load_jupyter_server_extension(app)
        server_extension._load_jupyter_server_extension(app)  # loaded twice: listed once
        assert app.web_app.settings["static_immutable_cache"] == ["/static/lab/", path]


def test_the_server_extension_sends_kernel_messages_without_nagles_delay():
    """Nagle's algorithm on the kernel's WebSocket held every other new picture 35-45 ms
    (Chromium's delayed acknowledgement): the extension swaps jupyter_server's default
    connection class for one that sets TCP_NODELAY as the socket opens, before connecting
    to the kernel; a class a deployment configured (a gateway's) is kept."""
    from types import SimpleNamespace
    from unittest import mock

    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

    from nncourse import server_extension
    from nncourse.server_extension import NoDelayConnection

    for configured, expected in ((ZMQChannelsWebsocketConnection, NoDelayConnection),
                                 (NoDelayConnection, NoDelayConnection), (object, object)):
        app = SimpleNamespace(base_url="/", kernel_websocket_connection_class=configured,
                              web_app=SimpleNamespace(settings={
                                  "kernel_websocket_connection_class": configured}))
        server_extension._load_jupyter_server_extension(app)
        assert app.web_app.settings["kernel_websocket_connection_class"] is expected
        assert app.kernel_websocket_connection_class is expected

    calls = []
    handler = mock.Mock(spec=KernelWebsocketHandler)
    handler.set_nodelay.side_effect = lambda value: calls.append(("set_nodelay", value))
    with mock.patch.object(ZMQChannelsWebsocketConnection, "connect",
                           lambda self: calls.append("connect")):
        NoDelayConnection(websocket_handler=handler).connect()
    assert calls == [("set_nodelay", True), "connect"]


_SERVER_WITH_THE_EXTENSION = """
from jupyter_server.serverapp import ServerApp
app = ServerApp()
app.jpserver_extensions = {"nncourse.server_extension": True}
app.initialize(argv=[], find_extensions=False, new_httpserver=False)
connection = app.web_app.settings["kernel_websocket_connection_class"]
print(connection.__module__ + "." + connection.__name__)
"""


def test_a_jupyter_server_with_the_extension_opens_kernel_sockets_without_nagle(tmp_path):
    """In a real jupyter_server (initialized, not listening): its default connection class
    is the one the extension replaces, so the replacement happens."""
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_CONFIG_PATH": "",
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", _SERVER_WITH_THE_EXTENSION], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["nncourse.server_extension.NoDelayConnection"], (
        result.stdout + result.stderr)


@pytest.mark.parametrize("instructor", [False, True])
def test_both_views_switch_the_course_server_extension_on(tmp_path, instructor):
    spec = importlib.util.spec_from_file_location(
        "nncourse_student_view", Path(__file__).resolve().parents[1] / "binder" / "student_view.py")
    view = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(view)
    written = view.configure(tmp_path, instructor=instructor)
    config = tmp_path / "jupyter_server_config.d" / view.COURSE_EXTENSION_CONFIG
    assert config in written
    assert json.loads(config.read_text()) == {
        "ServerApp": {"jpserver_extensions": {"nncourse.server_extension": True}}}
    settings = tmp_path / "labconfig" / view.SETTING_DEFAULTS_FILE
    assert settings in written
    assert json.loads(settings.read_text()) == view.SETTING_DEFAULTS
