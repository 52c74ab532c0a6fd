"""python -m worker: the same as holdem-worker."""
import sys

from worker.cli import main

sys.exit(main())
