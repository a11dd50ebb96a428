"""Synthetic demonstration data (``casework demo load`` and ``casework demo ensure``)."""

from casework.demo.loader import DemoResult, ensure_demo, load_demo

__all__ = ["DemoResult", "ensure_demo", "load_demo"]
