"""``python -m gkwork``: the gkwork command line."""

import sys

from gkwork.cli import main

sys.exit(main())
