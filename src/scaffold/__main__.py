"""`python -m scaffold`: the current directory (often the repository being checked) is taken off
`sys.path` first, so no module in it can stand in for one scaffold imports."""

import os
import sys


def _without_current_directory(path: list[str]) -> list[str]:
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was deleted: only the '' entry can point at it
        return [entry for entry in path if entry]
    return [entry for entry in path if entry and os.path.realpath(entry) != here]


sys.path[:] = _without_current_directory(sys.path)

from scaffold.cli import main  # noqa: E402

main()
