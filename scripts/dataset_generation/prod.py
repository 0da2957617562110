#!/usr/bin/env python3
"""Generate prod (multiplication) chain-of-thought data sets; `--help` lists the flags."""

import sys

from cotorder.generate_cli import main

if __name__ == "__main__":
    sys.exit(main("prod"))
