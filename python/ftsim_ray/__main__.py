"""`python -m ftsim_ray`: the driver of `ftsim mc --ray` (see driver.py)."""

from __future__ import annotations

import sys

from .driver import main

if __name__ == "__main__":
    sys.exit(main())
