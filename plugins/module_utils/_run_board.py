# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the devices of one ansible-playbook run share: each device's looks so far while it waits for UNLOCKED,
a cap on simultaneous client starts, and answers asked once a run, in a private directory of the user's
temporary directory.

Each device of a run waits in its own process (a forked worker, or a module it started): they meet in
``$TMPDIR/fieldops-snowball-<uid>/run-<pid>-<start>``, keyed to the ansible-playbook process they descend from.
Only timings and the client's version are written there (seconds, a hash of the device's address or of the
client's file): never a code, a manifest or a path.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import resource
import shutil
import stat
import tempfile

from ansible_collections.fieldops.snowball.plugins.module_utils._files import locked
from ansible_collections.fieldops.snowball.plugins.module_utils._files import replace_private_file
from ansible_collections.fieldops.snowball.plugins.module_utils._poll_schedule import Seen

_SUFFIX = ".seen"
_ANSWER = ".answer"


def children_cpu():
    """CPU seconds (user + system) of every child this process has waited for, their own children included:
    around one client run, what that run cost (the real client is a launcher script and its JVM)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def private_directory(path):
    """``path`` as a directory only this user can use (created 0700), or None when it is not one: another
    user's, a symbolic link, or readable by others."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    status = os.lstat(path)
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.geteuid() or stat.S_IMODE(status.st_mode) & 0o077:
        return None
    return path


def _stat_fields(pid):
    with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
        # the command name (field 2) is in parentheses and may hold spaces: fields after its ")" are fixed
        return handle.read().rsplit(")", 1)[1].split()


def playbook_run(pid=None):
    """``(pid, start time)`` of the ansible-playbook process this one descends from, from /proc; None when there
    is none, or no /proc (then every device waits alone). The outermost one: a forked worker has the same
    command line as the ansible-playbook it was forked from."""
    pid = os.getpid() if pid is None else pid
    found = None
    for _depth in range(64):
        try:
            fields = _stat_fields(pid)
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                argv = handle.read().split(b"\0")[:2]
        except (OSError, IndexError, ValueError):
            break
        if any(os.path.basename(arg).startswith(b"ansible-playbook") for arg in argv):
            found = pid, fields[19]  # starttime, in clock ticks since boot: tells a reused pid apart
        pid = int(fields[1])
        if pid <= 1:
            break
    return found


def _alive(pid, started):
    try:
        return _stat_fields(int(pid))[19] == started
    except (OSError, IndexError, ValueError):
        return False


class RunBoard:
    """The shared directory of one run, seen by one device (``device``: its address or profile)."""

    def __init__(self, root, device, slots=None):
        self.root = root
        self.mine = os.path.join(root, hashlib.sha256(device.encode("utf-8")).hexdigest()[:16] + _SUFFIX)
        self.slots = max(1, slots or os.cpu_count() or 1)

    @classmethod
    def for_this_run(cls, device, base=None):
        """The board of the ansible-playbook run this process belongs to, or None (no run found, no private
        directory): then the device waits alone, on the schedule's own rules."""
        run = playbook_run()
        top = private_directory(os.path.join(base or tempfile.gettempdir(), "fieldops-snowball-%d" % os.geteuid()))
        if run is None or top is None:
            return None
        name = "run-%d-%s" % run
        for entry in os.listdir(top):  # runs that ended (or were killed) leave their directory: remove it
            parts = entry.split("-")
            if entry != name and entry.startswith("run-") and len(parts) == 3 and not _alive(parts[1], parts[2]):
                shutil.rmtree(os.path.join(top, entry), ignore_errors=True)
        root = private_directory(os.path.join(top, name))
        return None if root is None else cls(root, device)

    def tell(self, sent, still, done):
        """Record this device's looks so far (see _poll_schedule.Seen)."""
        data = json.dumps({"sent": sent, "still": still, "done": done}).encode("utf-8")
        replace_private_file(self.mine, data)

    def fleet(self):
        """What the other devices of the run have shown (``Seen`` entries)."""
        seen = []
        for entry in os.listdir(self.root):
            path = os.path.join(self.root, entry)
            if not entry.endswith(_SUFFIX) or path == self.mine:
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    record = json.load(handle)
                seen.append(Seen(float(record["sent"]), _seconds(record["still"]), _seconds(record["done"])))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # being replaced, or not ours: a device that tells nothing
        return seen

    def once(self, key, compute):
        """``compute()`` (a str) for the whole run: the first device to ask computes it while the others wait
        on a lock, then they read its answer. A failure is not kept: the next device computes it again."""
        path = os.path.join(self.root, hashlib.sha256(key.encode("utf-8")).hexdigest()[:16] + _ANSWER)
        with locked([path]):
            try:
                with open(path, encoding="utf-8") as handle:
                    return handle.read()
            except FileNotFoundError:
                pass
            answer = compute()
            replace_private_file(path, answer.encode("utf-8"))
            return answer

    @contextlib.contextmanager
    def client_slot(self):
        """Hold one of ``slots`` client starts of the run for the ``with`` block: a JVM start takes a core's
        worth of CPU, and thirty at once on two cores make every one of them (and its look) late."""
        handles = []
        try:
            for number in range(self.slots):
                handle = open(os.path.join(self.root, "slot-%d.lock" % number), "a", encoding="utf-8")
                handles.append(handle)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                yield number
                return
            # every slot busy: queue on the one this device hashes to
            handle = handles[int(hashlib.sha256(self.mine.encode()).hexdigest(), 16) % self.slots]
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield None
        finally:
            for handle in handles:
                handle.close()


def _seconds(value):
    return None if value is None else float(value)
