# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private files: written atomically (only when their content or mode changes), created with a private mode,
never through a symlink and never into a world-writable directory, under one lock per directory, with the
leftovers of a killed write removed.

Shared by the modules and by the controller-side action plugins, so the
functions raise SnowballError and leave reporting to the caller.
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import hashlib
import os
import pwd
import re
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


def check_private_destination(path, missing_parent_ok=False):
    """Refuse destinations where a secret could be read or redirected by others.

    ``missing_parent_ok`` is for callers that create the directory (privately)
    when they write, and for check mode, where an earlier task that would
    create it did not run.
    """
    if not isinstance(path, str) or not path or "\0" in path:
        raise SnowballError("%r is not a usable path." % (path,))
    try:
        _check_private_destination(path, missing_parent_ok)
    except OSError as error:
        raise SnowballError("Cannot use %s: %s" % (path, os_error_text(error)), path=path) from None


def _check_private_destination(path, missing_parent_ok):
    if len(os.path.basename(path)) > 255:
        raise SnowballError("The file name of %s is longer than 255 characters: choose a shorter one." % path,
                            path=path)
    parent = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.islink(parent):
        raise SnowballError("The directory %s is a symbolic link: refusing to write a secret where it points. "
                            "Use a private directory (mode 0700)." % parent)
    if not os.path.isdir(parent):
        ancestor = parent
        while not os.path.lexists(ancestor):
            ancestor = os.path.dirname(ancestor)
        if not os.path.isdir(ancestor):
            raise SnowballError("%s is not a directory, so %s cannot be written: choose another path."
                                % (ancestor, path), path=path)
        check_ancestors(parent)
        if missing_parent_ok:
            return
        raise SnowballError("The directory %s does not exist: create it (mode 0700) first." % parent)
    if os.stat(parent).st_mode & stat.S_IWOTH:
        raise SnowballError("The directory %s is world-writable, so another user could replace the file: "
                            "use a private directory (mode 0700)." % parent)
    check_ancestors(parent)
    if os.path.islink(path):
        raise SnowballError("%s is a symbolic link: refusing to write a secret through it. Remove the link "
                            "or choose another path." % path)
    if os.path.exists(path) and not os.path.isfile(path):
        raise SnowballError("%s exists and is not a regular file." % path)


def check_ancestors(directory):
    """Refuse ``directory`` when another user could replace any part of the way to it, as OpenSSH's StrictModes
    does: every existing component of the path as given and of the path it resolves to must be owned by root or
    this user and writable by no one else (a group of which the owner is the only member, or root's group, may
    write). A
    world-writable directory with the sticky bit (such as /tmp) is accepted only where the next component is this
    user's own or not there yet (it is then created privately). A symbolic link on the way must be owned by root
    or this user (a home on /var/home); where it points is checked as part of the resolved path."""
    literal = os.path.abspath(directory)
    for path in dict.fromkeys([literal, os.path.realpath(literal)]):
        components = _existing_prefixes(path)
        for index, (component, status) in enumerate(components):
            following = components[index + 1][1] if index + 1 < len(components) else None
            problem = _component_problem(status, following)
            if problem:
                raise SnowballError("%s %s, so another user could replace the directory %s and read or redirect "
                                    "the secret written there: use a path whose every directory is owned by you or "
                                    "root and writable only by you (see the security model)."
                                    % (component, problem, directory), path=directory)


def _existing_prefixes(path):
    """[(prefix, lstat)] of each existing prefix of the absolute ``path``, from / down."""
    prefixes, current = [], os.sep
    for part in [part for part in path.split(os.sep) if part]:
        prefixes.append(current)
        current = os.path.join(current, part)
    prefixes.append(current)
    existing = []
    for prefix in prefixes:
        try:
            existing.append((prefix, os.lstat(prefix)))
        except FileNotFoundError:
            break
    return existing


def _component_problem(status, following):
    """Why a component of a path is unsafe, or None; ``following`` is the next component's lstat (or None)."""
    uid = os.geteuid()
    if status.st_uid not in (0, uid):
        return "is owned by another user (uid %d)" % status.st_uid
    if stat.S_ISLNK(status.st_mode):
        return None  # a link's own mode is meaningless; its target is checked on the resolved path
    if status.st_mode & stat.S_IWOTH:
        if not status.st_mode & stat.S_ISVTX:
            return "is world-writable"
        if following is not None and following.st_uid != uid:
            return "is world-writable (sticky) and the next directory is not yours"
        return None  # others may add names, never replace ours (group writing is the lesser case)
    # Root's group too: execution environments (AWX, OpenShift) give the job's random user group 0 and make their
    # directories group-writable on purpose, and elsewhere the group has no member but root.
    if status.st_mode & stat.S_IWGRP and status.st_gid != 0 and not _group_is_only(status.st_gid, status.st_uid):
        return "is writable by its group, which has other members"
    return None


def _group_is_only(gid, uid):
    """Whether the group ``gid`` is ``uid``'s private group: named as the user and with no other member (as
    OpenSSH's StrictModes accepts a group-writable directory)."""
    try:
        group = grp.getgrgid(gid)
        user = pwd.getpwuid(uid)
    except KeyError:
        return False
    return group.gr_name == user.pw_name and set(group.gr_mem) <= {user.pw_name}


def make_private_directories(directory):
    """Create ``directory`` and any missing parent, each 0700 whatever the umask (os.makedirs's mode applies to
    the last one only, and through the umask). A directory another process created meanwhile must be this
    user's own directory (not a link): parallel forks race to create the same one."""
    missing = []
    current = os.path.abspath(directory)
    while not os.path.lexists(current):
        missing.append(current)
        current = os.path.dirname(current)
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            status = os.lstat(path)
            if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.geteuid():
                raise SnowballError("%s appeared while it was being created and is not a directory of yours: "
                                    "refusing to write a secret there." % path, path=path) from None
            continue
        os.chmod(path, 0o700)


def os_error_text(error):
    """An OSError as a user reads it: its reason, and the path it concerns when that is not the one the
    message names already (a directory that could not be created, a temporary file)."""
    text = error.strerror or str(error)
    if error.filename:
        text += " (%s)" % error.filename
    return text


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
        make_private_directories(directory)
    descriptor, temporary = tempfile.mkstemp(prefix=temporary_prefix(path), dir=directory)
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


def temporary_prefix(path):
    """The name prefix of replace_private_file's temporary files for ``path``."""
    return ".%s." % os.path.basename(path)


# mkstemp's names: the prefix, then 8 characters of its alphabet.
_MKSTEMP_TAIL = re.compile(r"[a-z0-9_]{8}\Z")


def remove_stale_temporaries(path):
    """Remove temporary files replace_private_file left beside ``path`` when it was killed (SIGKILL, power cut)
    before it could clean up: each holds a full copy of the secret file. Only for callers that hold a lock
    every writer of ``path`` takes, so no such file is still being written. True when any was removed."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = temporary_prefix(path)
    removed = False
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return False
    for name in names:
        if not (name.startswith(prefix) and _MKSTEMP_TAIL.match(name[len(prefix):])):
            continue
        candidate = os.path.join(directory, name)
        # Only our own regular files: never follow a link, never touch another user's file.
        status = os.lstat(candidate)
        if stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid():
            os.unlink(candidate)
            removed = True
    return removed


def ensure_mode(path, mode):
    """Set ``mode`` on an existing file; True when it had another."""
    if stat.S_IMODE(os.stat(path).st_mode) == mode:
        return False
    os.chmod(path, mode)
    return True


class _Stat:  # what AnsibleModule's symbolic-mode parser reads of a file
    def __init__(self, mode):
        self.st_mode = stat.S_IFREG | mode


def resolve_mode(mode, current=0o600):
    """``mode`` as the file module takes it (octal digits, an int, or a symbolic mode such as u=rw,g-r applied
    to ``current``) as permission bits. Only permission bits: a setuid, setgid or sticky bit on a file that
    holds a secret is refused, and so is an unquoted YAML number such as 644 (read as decimal 644, 0o1204)."""
    if isinstance(mode, bool) or not isinstance(mode, (int, str)):
        bits = None
    elif isinstance(mode, int):
        bits = mode
    elif re.match(r"0?[0-7]{3}\Z", mode):
        bits = int(mode, 8)
    else:
        try:
            # The file module's own parser of u=rw,g-r; a classmethod that needs no module instance.
            bits = AnsibleModule._symbolic_mode_to_octal(_Stat(current), mode)  # pylint: disable=protected-access
        except ValueError:
            bits = None
    if bits is None or not 0 <= bits <= 0o777:
        raise SnowballError("mode %r is not a file mode for a private file: give octal digits in quotes, such as "
                            "'0600', or a symbolic mode such as 'u=rw'; no setuid, setgid or sticky bit. Nothing was "
                            "written." % (mode,))
    return bits


@contextlib.contextmanager
def locked(paths, create=False):
    """Hold an exclusive lock on the directories of ``paths`` (each once, in order) while a read-modify-write
    runs: a role writes one profile per device from parallel forks into one file.

    ``create``: make a missing directory (mode 0700) first; otherwise a missing one is not locked."""
    descriptors = []
    try:
        for directory in sorted({os.path.dirname(os.path.abspath(path)) for path in paths}):
            if create and not os.path.isdir(directory):
                make_private_directories(directory)
            if os.path.isdir(directory):
                descriptor = os.open(directory, os.O_RDONLY)
                descriptors.append(descriptor)
                fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        for descriptor in descriptors:
            os.close(descriptor)


class FilePlan:
    """One private file's new content and mode, computed (and checked) before anything is written; written
    only when either differs. ``mode`` as resolve_mode takes it; ``diff_before``/``diff_after`` are what a
    diff shows of the content (the caller masks secrets)."""

    def __init__(self, path, data, mode=0o600, diff_before="", diff_after=""):
        self.path, self.data = path, data
        self.diff_before, self.diff_after = diff_before, diff_after
        self.old = read_bytes(path)
        self.old_mode = stat.S_IMODE(os.stat(path).st_mode) if self.old is not None else None
        self.content_changed = self.old != data
        # A symbolic mode applies to the file as it will be: a new content is written 0600 first.
        self.mode = resolve_mode(mode, 0o600 if self.content_changed or self.old_mode is None else self.old_mode)
        self.mode_changed = self.old_mode is not None and self.old_mode != self.mode

    @property
    def changed(self):
        return self.content_changed or self.mode_changed

    def apply(self, create_parent=False):
        """Write the file if it changes; True when anything changed. Only under a ``locked`` lock of its directory
        that every writer of the file takes: a killed write's leftovers (each a copy of the file) are removed
        first, as no other write of it can be under way, and that counts as a change."""
        removed = remove_stale_temporaries(self.path)
        if self.content_changed:
            replace_private_file(self.path, self.data, mode=0o600, create_parent=create_parent)
        if stat.S_IMODE(os.stat(self.path).st_mode) != self.mode:
            os.chmod(self.path, self.mode)
        return removed or self.changed

    def diff(self):
        before, after = self.diff_before, self.diff_after
        if self.mode_changed and not self.content_changed:
            before, after = before + "# mode %04o\n" % self.old_mode, after + "# mode %04o\n" % self.mode
        return {"before_header": self.path, "after_header": self.path, "before": before, "after": after}


def store_private_file(path, data, what, check_mode=False, create_parent=False, mode=0o600):
    """Write ``data`` to ``path`` unless the file holds it already, then give it ``mode``.

    True when anything changed (or would, in check mode, where nothing is written).
    ``what`` names the content in an error message.
    """
    resolve_mode(mode)  # refuse a bad mode before anything is written
    check_private_destination(path, missing_parent_ok=create_parent or check_mode)
    try:
        if check_mode:
            return FilePlan(path, data, mode=mode).changed
        with locked([path], create=create_parent):
            return FilePlan(path, data, mode=mode).apply(create_parent=create_parent)
    except OSError as error:
        raise SnowballError("Could not write %s to %s: %s" % (what, path, os_error_text(error)), path=path) from None


def _fsync_directory(directory):
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
