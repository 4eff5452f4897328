"""One sync (or reindex) at a time per index directory.

``flock`` on ``sync.lock`` is released by the kernel when its holder dies, even by
``kill -9``, so a stale lock is simply taken over; the pid written inside is only there to
name the running process in the error message.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .errors import LockedError

LOCK_NAME = "sync.lock"


class SyncLock:
    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / LOCK_NAME
        self._fd: int | None = None
        self.stale_pid: int | None = None

    def acquire(self) -> SyncLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").strip() or "unknown pid"
            os.close(fd)
            raise LockedError(
                f"another sync or reindex is running on {self.path.parent} ({holder}); "
                "wait for it to finish"
            ) from None
        previous = os.read(fd, 200).decode(errors="replace").split()
        if previous and previous[0] == "pid" and len(previous) > 1 and previous[1].isdigit():
            self.stale_pid = int(previous[1])  # its holder died without cleaning up
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SyncLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def running_holder(index_dir: Path) -> str | None:
    """ "pid N since ..." of a live sync or reindex holding the lock, else None.

    Read-only on purpose: taking even a shared ``flock`` to ask would make a sync that
    starts at that instant fail with "another sync is running". The pid in the file is
    checked for life instead (a killed holder leaves its pid behind).
    """
    try:
        text = (Path(index_dir) / LOCK_NAME).read_text(errors="replace").strip()
    except OSError:
        return None
    words = text.split()
    if len(words) < 2 or words[0] != "pid" or not words[1].isdigit():
        return None
    try:
        os.kill(int(words[1]), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by someone else
    return text
