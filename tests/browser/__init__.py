"""Browser tests: real JupyterLab in real Chromium (see docs/browser-and-binder.md)."""
