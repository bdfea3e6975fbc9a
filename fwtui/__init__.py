"""fwtui: measure and choose between PyTorch, TensorFlow, JAX and ONNX Runtime on this machine.

The package never imports Textual or an ML framework at import time: the logic here is used by the
TUI (``screens/``), by the headless commands and as a library.
"""

# The single source of the version (pyproject.toml reads it); a literal keeps start-up free of metadata lookups.
__version__ = "0.1.0"

__all__ = ["__version__"]
