"""Reading a dependency file safely: a regular file, inside the target, under a size cap."""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: Lock files of large applications reach a few MB; anything far past that is not a manifest.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


class UnreadableManifest(Exception):
    """Why a file could not be read; the message is one line, without the root's absolute path."""


def inside(root: Path, relative: str) -> str:
    """The normalised root-relative path of `relative`, or UnreadableManifest if it leaves root."""
    joined = os.path.normpath(relative)
    if os.path.isabs(joined) or joined == ".." or joined.startswith("../"):
        raise UnreadableManifest(f"{relative}: outside the scanned folder")
    resolved = (root / joined).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise UnreadableManifest(f"{relative}: outside the scanned folder (through a symlink)")
    return Path(joined).as_posix()


def read_text(root: Path, relative: str) -> str:
    """The file's text; refuses FIFOs, devices, folders, missing files and files over MAX_MANIFEST_BYTES."""
    path = root / relative
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise UnreadableManifest(f"{relative}: file not found") from None
    except OSError as exc:
        raise UnreadableManifest(f"{relative}: cannot open ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableManifest(f"{relative}: not a regular file")
        if info.st_size > MAX_MANIFEST_BYTES:
            raise UnreadableManifest(f"{relative}: too large ({info.st_size} bytes, cap {MAX_MANIFEST_BYTES})")
        data = handle.read(MAX_MANIFEST_BYTES + 1)
    if len(data) > MAX_MANIFEST_BYTES:
        raise UnreadableManifest(f"{relative}: too large (cap {MAX_MANIFEST_BYTES} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableManifest(f"{relative}: not UTF-8 text") from None
