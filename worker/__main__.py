"""``python -m worker``: the same as ``holdem-worker``."""
from worker.cli import main

main()
