"""Telling whether pal analyze (re)wrote a file during this run.

pal analyze writes its outputs atomically (temporary file + rename), so a file it
wrote has a new inode or modification time; comparing with what was there before
the run tells a fresh results.json or table from a stale one of an earlier run.
Standard library only.
"""
from __future__ import annotations

import os
from typing import Optional, Tuple

FileId = Optional[Tuple[int, int]]


def stat_id(path: str) -> FileId:
    """(mtime_ns, inode) of `path`; None when it does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ino)


def fresh(path: str, before: FileId) -> bool:
    """True when `path` exists and was (re)written since `before` was taken."""
    now = stat_id(path)
    return now is not None and now != before
