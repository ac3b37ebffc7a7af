"""`python -m rag`: the command line (rag/cli.py), which sets the OpenMP defaults first."""

import sys

from .cli import main

sys.exit(main())
