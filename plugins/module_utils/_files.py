# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private files: written atomically, created with a private mode, never
through a symlink and never into a world-writable directory.

Shared by the modules and by the controller-side action plugin, so the
functions raise PrivateFileError and leave reporting to the caller.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile


class PrivateFileError(Exception):
    """A private file cannot be written safely; the message says why and what to do."""


def check_private_destination(path, missing_parent_ok=False):
    """Refuse destinations where a secret could be read or redirected by others.

    ``missing_parent_ok`` is for callers that create the directory (privately)
    when they write, and for check mode, where an earlier task that would
    create it did not run.
    """
    parent = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.islink(parent):
        raise PrivateFileError("The directory %s is a symbolic link: refusing to write a secret where it points. "
                               "Use a private directory (mode 0700)." % parent)
    if not os.path.isdir(parent):
        if missing_parent_ok:
            return
        raise PrivateFileError("The directory %s does not exist: create it (mode 0700) first." % parent)
    if os.stat(parent).st_mode & stat.S_IWOTH:
        raise PrivateFileError("The directory %s is world-writable, so another user could replace the file: "
                               "use a private directory (mode 0700)." % parent)
    if os.path.islink(path):
        raise PrivateFileError("%s is a symbolic link: refusing to write a secret through it. Remove the link "
                               "or choose another path." % path)
    if os.path.exists(path) and not os.path.isfile(path):
        raise PrivateFileError("%s exists and is not a regular file." % path)


def read_bytes(path):
    """The file's content, or None when there is no file."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def sha1_of(data):
    return hashlib.sha1(data).hexdigest()


def replace_private_file(path, data, mode=0o600, create_parent=False):
    """Write ``data`` to ``path`` atomically: a private temporary file in the
    same directory, flushed to disk, then renamed over the old file. A failure
    leaves the old file as it was and no temporary file behind.

    With ``create_parent`` a missing directory is created with mode 0700."""
    check_private_destination(path, missing_parent_ok=create_parent)
    directory = os.path.dirname(os.path.abspath(path))
    if create_parent:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def ensure_mode(path, mode):
    """Set ``mode`` on an existing file; True when it had another."""
    if stat.S_IMODE(os.stat(path).st_mode) == mode:
        return False
    os.chmod(path, mode)
    return True


def _fsync_directory(directory):
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
