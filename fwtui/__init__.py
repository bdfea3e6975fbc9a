"""fwtui: measure and choose between PyTorch, TensorFlow, JAX and ONNX Runtime on this machine.

The package never imports Textual or an ML framework at import time: the logic here is used by the
TUI (``screens/``), by the headless commands and as a library.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fwtui")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.1.0"

__all__ = ["__version__"]
