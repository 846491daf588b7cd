"""The version board (kernel.version_board, E20): the newest version noted of a key, shared
through a file by every local process of a data dir, only ever a hint."""
from __future__ import annotations

import subprocess
import sys

from chalicelib.kernel.version_board import VersionBoard


def test_a_version_noted_is_newer_than_older_copies_only():
    board = VersionBoard("jobs")
    assert not board.newer("mon_1", 0)                 # unknown: no hint
    board.note("mon_1", 7)
    assert board.newer("mon_1", 6)
    assert not board.newer("mon_1", 7)
    assert not board.newer("mon_1", 8)                 # a copy newer than the note
    assert not board.newer("mon_2", 0)


def test_a_key_whose_slot_another_took_has_no_hint():
    board = VersionBoard("jobs", slots=1)
    board.note("mon_1", 7)
    board.note("mon_2", 3)
    assert not board.newer("mon_1", 1)                 # its note is gone: no hint, no harm
    assert board.newer("mon_2", 2)


def test_boards_on_one_file_share_notes_across_processes(tmp_path):
    mine = VersionBoard("jobs", tmp_path)
    subprocess.run([sys.executable, "-c", "import sys; from chalicelib.kernel.version_board "
                    "import VersionBoard; VersionBoard('jobs', sys.argv[1]).note('mon_1', 4)",
                    str(tmp_path)], check=True)
    assert mine.newer("mon_1", 3)
    assert not VersionBoard("other", tmp_path).newer("mon_1", 3)
