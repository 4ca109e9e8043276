import sys

from plua2.cli import main

sys.exit(main())
