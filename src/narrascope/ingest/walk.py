"""Walking input folders safely: what a folder holds, without leaving it, looping, or blocking.

A folder handed to ``narrascope ingest`` may hold things that are not files of its own: a symbolic link to
``/etc/shadow`` (which was once stored as a web article), a link to the folder itself (one self-link made the walk
ingest a file 41 times), a named pipe (opening it blocks forever), a subfolder nobody may read. The rules:

- paths named on the command line are taken as given (a link named there is followed: the user chose it);
- inside a folder, symbolic links are not followed unless ``--follow-links``; with it, every folder and file is
  entered once (by device and inode), so loops and repeated targets end;
- only regular files are opened; named pipes, sockets and devices are listed as skipped;
- a folder that cannot be listed is reported like a file that cannot be read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Entry", "Visited", "describe_special", "folder_entries", "is_regular_file", "regular_files_under"]


def describe_special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def is_regular_file(path: Path) -> bool:
    """A regular file that is not a symbolic link (never blocks, never leads elsewhere)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


@dataclass(frozen=True)
class Entry:
    """One thing found in a folder: ``kind`` is file, folder, link (not followed), special, or error."""

    path: Path
    kind: str
    problem: str | None = None


@dataclass
class Visited:
    """Folders and files already entered while following links (device, inode)."""

    seen: set[tuple[int, int]] = field(default_factory=set)

    def first_time(self, path: Path) -> bool:
        try:
            st = path.stat()
        except OSError:
            return True  # reported when it is opened
        key = (st.st_dev, st.st_ino)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def folder_entries(folder: Path, *, follow_links: bool, visited: Visited | None = None) -> list[Entry]:
    """What ``folder`` holds, sorted by name; raises OSError when the folder cannot be listed."""
    out: list[Entry] = []
    with os.scandir(folder) as it:
        children = sorted(it, key=lambda e: e.name)
    for child in children:
        path = Path(child.path)
        try:
            if child.is_symlink():
                out.append(_link(path, follow_links, visited))
                continue
            mode = child.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            out.append(Entry(path, "error", f"cannot read: {exc.strerror or exc}"))
            continue
        if (stat.S_ISDIR(mode) or stat.S_ISREG(mode)) and visited is not None and not visited.first_time(path):
            out.append(Entry(path, "link", "already read through a symbolic link"))
        elif stat.S_ISDIR(mode):
            out.append(Entry(path, "folder"))
        elif stat.S_ISREG(mode):
            out.append(Entry(path, "file"))
        else:
            out.append(Entry(path, "special", f"{describe_special(mode)}, not a file"))
    return out


def _link(path: Path, follow: bool, visited: Visited | None) -> Entry:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    if not follow:
        return Entry(path, "link", f"a symbolic link (to {target}): links inside a folder are not followed; pass "
                                   "its target itself, or use --follow-links")
    try:
        mode = path.stat().st_mode  # follows the link
    except OSError as exc:  # dangling, or a loop the kernel refuses (ELOOP)
        return Entry(path, "link", f"a symbolic link (to {target}) that leads nowhere ({exc.strerror or exc})")
    if visited is not None and not visited.first_time(path):
        return Entry(path, "link", f"a symbolic link (to {target}) to something already read (a loop, or a "
                                   "second link to it)")
    if stat.S_ISDIR(mode):
        return Entry(path, "folder")
    if stat.S_ISREG(mode):
        return Entry(path, "file")
    return Entry(path, "special", f"a symbolic link to {describe_special(mode)}, not a file")


def regular_files_under(folder: Path) -> list[Path]:
    """Every regular file below ``folder`` (no links followed, unreadable subfolders left out), sorted."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in files:
            p = Path(root) / name
            if is_regular_file(p):
                found.append(p)
    return sorted(found)
