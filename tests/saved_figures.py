"""What a saved notebook shows without a kernel (GitHub, nbviewer, an HTML or PDF export).

nbconvert, like GitHub and nbviewer, skips a widget's view when the notebook carries no
widget state and shows the next representation in the output instead; every control of
the course leaves a picture (``image/png``) there, every self-check its question
(``text/html``). :func:`unreadable_widget_outputs` lists the outputs that would show as a
bare ``ControlPanel(children=(...`` line.
"""

from __future__ import annotations

from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STATIC = ("image/png", "text/html")


def widget_outputs(nb: Any) -> list[tuple[str, dict]]:
    """(cell id, output data) for every output that displays a widget."""
    found = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                found.append((cell["id"], data))
    return found


def unreadable_widget_outputs(nb: Any) -> list[str]:
    """Widget outputs with nothing but text to show in a viewer without widget state."""
    return [f"{cell_id}: {data.get('text/plain', '')[:80]}"
            for cell_id, data in widget_outputs(nb) if not any(k in data for k in STATIC)]


def exported_html(nb: Any) -> str:
    """The notebook as nbconvert's HTML exporter writes it (no widget state)."""
    import json

    import nbformat
    from nbconvert import HTMLExporter

    node = nbformat.reads(json.dumps(nb), as_version=4)  # sources as one string, as on disk
    node.metadata.pop("widgets", None)
    body, _resources = HTMLExporter().from_notebook_node(node)
    return body
