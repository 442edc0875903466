"""Output files: checked before any work, written atomically, errors in one line, locked.

* :func:`check_output` validates a path (and its suffix) before a command does its work;
* :func:`atomic_write` writes through a temporary file in the same folder and renames it over
  the target, so a reader never sees half a file and a failed write leaves nothing behind;
* :func:`output_lock` holds an exclusive ``<output>.lock`` (``flock``) while a run writes a
  cohort; a second writer gets :class:`~sbmltwin.errors.OutputError` naming the lock.

Every ``OSError`` becomes an :class:`OutputError` naming the path. A leaf module.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sbmltwin.errors import OutputError

__all__ = ["atomic_write", "check_output", "output_error", "output_lock"]


def output_error(path: str | Path, err: OSError) -> OutputError:
    """An :class:`OutputError` for ``err`` raised while writing ``path``."""
    reason = err.strerror or str(err)
    hint = {
        errno.ENOSPC: "free disk space or write elsewhere",
        errno.EACCES: "choose a folder you can write to",
        errno.EROFS: "the file system is read-only; write elsewhere",
        errno.ENOENT: "create the folder first",
    }.get(err.errno or 0, "choose another output path")
    return OutputError(f"cannot write: {reason}", where=str(path), hint=hint)


def check_output(
    path: str | Path, *, suffixes: Sequence[str] = (), what: str = "output", mkdir: bool = True
) -> Path:
    """``path`` as a Path after checking it can be written: not a folder, in a writable folder
    (created when missing and ``mkdir``), with one of ``suffixes`` (when given). An existing
    device (``/dev/null``) is accepted and written directly. Does not create the file."""
    p = Path(path)
    where = str(path)
    if suffixes and p.suffix.lower() not in suffixes:
        raise OutputError(
            f"{what} must end in {' or '.join(suffixes)}",
            where=where,
            hint=f"e.g. {p.with_suffix(suffixes[0]).name}",
        )
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise output_error(p, err) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"{what} path is a folder", where=where, hint="give a file path")
    if mode is not None and not stat.S_ISREG(mode):
        if not os.access(p, os.W_OK):
            raise OutputError("cannot write to this device", where=where)
        return p
    folder = p.parent if str(p.parent) else Path(".")
    if mkdir and not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise output_error(folder, err) from None
    if not folder.is_dir():
        raise OutputError(
            f"folder {str(folder)!r} does not exist", where=where, hint="create it first"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"folder {str(folder)!r} is not writable", where=where, hint="write elsewhere"
        )
    if mode is not None and not os.access(p, os.W_OK):
        raise OutputError("file is not writable", where=where, hint="write elsewhere")
    return p


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``.
    An ``OSError`` removes the temporary file and becomes an :class:`OutputError`."""
    p = Path(path)
    if p.exists() and not p.is_file():  # a device such as /dev/null: write it directly
        try:
            write(p)
        except OSError as err:
            raise output_error(p, err) from None
        return p
    fd, name = (-1, "")
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{p.stem}.", suffix=f".tmp{p.suffix}", dir=p.parent or "."
        )
        os.close(fd)
        write(Path(name))
        os.chmod(name, _mode(p))
        os.replace(name, p)
    except OSError as err:
        with contextlib.suppress(OSError):
            if name:
                os.unlink(name)
        raise output_error(p, err) from None
    except BaseException:
        with contextlib.suppress(OSError):
            if name:
                os.unlink(name)
        raise
    return p


def _mode(path: Path) -> int:
    """The existing file's permissions, else what a plain open() would give (0666 & ~umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def output_lock(path: str | Path) -> Iterator[Path]:
    """Hold ``<path>.lock`` exclusively while the block runs (another process holding it:
    :class:`OutputError`). The lock is released when the process ends, however it ends."""
    import fcntl

    lock = Path(f"{path}.lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise output_error(lock, err) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            except OSError:
                holder = ""
            os.close(fd)
            raise OutputError(
                f"another sbmltwin run{f' (pid {holder})' if holder else ''} is writing this "
                f"output: {lock} is locked",
                where=str(path),
                hint="wait for it to finish, or write to another output",
            ) from None
        try:  # the holder before us may have removed the file we opened: lock the new one
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield lock
        finally:
            with contextlib.suppress(OSError):
                os.unlink(lock)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
