"""`python -m plua2.worker --generation N`: see plua2.worker.main."""

import sys

from .main import main

if __name__ == "__main__":
    sys.exit(main())
