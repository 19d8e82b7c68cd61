"""``python -m genloop.migrate PATH...``, as ``genloop migrate PATH...``."""

import sys

from .command import main

sys.exit(main())
