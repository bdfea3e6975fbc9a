"""``python -m fwtui`` is the same as the ``fwtui`` command."""

import sys

from fwtui.cli import main

sys.exit(main())
