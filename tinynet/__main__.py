"""``python -m tinynet ...`` runs the ``tinynet`` command (see tinynet/cli.py)."""

import sys

from tinynet.cli import main

sys.exit(main())
