"""Authorization matrix rows: Reduced timetables."""

from tests.matrix_rows import *  # noqa: F403 - the matrix's vocabulary

# url name -> (method, sample object name in SAMPLES or None, outcome by role)
ROWS: dict[str, tuple[str, str | None, dict[str, str]]] = {}
