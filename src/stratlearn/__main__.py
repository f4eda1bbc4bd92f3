"""``python -m stratlearn``: the same command line as ``stratlearn``."""

import sys

from .cli import main

if __name__ == "__main__":  # pragma: no branch
    sys.exit(main())
