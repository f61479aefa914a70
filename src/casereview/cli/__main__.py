"""`python -m casereview.cli`: the same as the `casereview` script."""

from casereview.cli import main

main()
