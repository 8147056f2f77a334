# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the devices of one ansible-playbook run share: each device's looks so far while it waits for UNLOCKED,
a cap on simultaneous client starts, and answers asked once a run, in a private directory of the user's
temporary directory.

Each device of a run waits in its own process (a forked worker, or a module it started): they meet in
``$TMPDIR/fieldops-runs-<uid>/run-<pid>-<start>``, keyed to the ansible-playbook process they descend from.
Only timings and the client's version answer are written there (seconds, a hash of the device's address or of
the client's file; the version, or why the file is not the client): never a code, a manifest or a credential.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import resource
import secrets
import shutil
import stat
import tempfile
import time

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import locked
from ansible_collections.fieldops.snowball.plugins.module_utils._files import replace_private_file
from ansible_collections.fieldops.snowball.plugins.module_utils._poll_schedule import Seen

_SUFFIX = ".seen"
# Not TRANSIENT_PREFIX (fieldops-snowball-<pid>-...): the clean-up of transient client homes would take
# fieldops-snowball-<uid> for the home of a process that is gone, and remove a live run's board.
RUNS_PREFIX = "fieldops-runs-"
SLOT_RETRY = 0.1  # seconds between two looks at the line for a client slot while every slot is busy
_TICKET = "ticket-"
LATER = 30.0  # seconds: a start that is not urgent lines up as if it had asked this much later
# seconds: a client run still going after this long waits for its device (one that lost power keeps a JVM waiting
# until client_timeout), no longer for a core: its slot goes to the next in line
START_SECONDS = 15.0


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


def _process(pid):
    """``(parent pid, start time, command line)`` of ``pid``, from /proc; None when it cannot be read."""
    try:
        fields = _stat_fields(pid)
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return int(fields[1]), fields[19], handle.read()
    except (OSError, IndexError, ValueError):
        return None


def _is_playbook(cmdline):
    return any(os.path.basename(arg).startswith(b"ansible-playbook") for arg in cmdline.split(b"\0")[:2])


def playbook_run(pid=None):
    """``(pid, start time)`` of the ansible-playbook process this one belongs to, from /proc; None when there is
    none, or no /proc (then every device waits alone). The nearest ansible-playbook ancestor, and above it the
    processes with its very command line (a forked worker has the command line of the ansible-playbook it was
    forked from); not beyond: an ansible-playbook started by another one (a driver playbook, a wrapper script
    called ansible-playbook-*) is a run of its own."""
    pid = os.getpid() if pid is None else pid
    found = None
    for _depth in range(64):
        process = _process(pid)
        if process is None:
            break
        parent, started, cmdline = process
        if found is None and _is_playbook(cmdline):
            found = pid, started, cmdline  # start time, in clock ticks since boot: tells a reused pid apart
        elif found is not None:
            if cmdline != found[2]:
                break
            found = pid, started, cmdline
        if parent <= 1:
            break
        pid = parent
    return None if found is None else found[:2]


def _alive(pid, started):
    try:
        return _stat_fields(int(pid))[19] == started
    except (OSError, IndexError, ValueError):
        return False


class RunBoard:
    """The shared directory of one run, seen by one device (``device``: its address or profile).

    The board only makes a fleet's wait cheaper: when it cannot be read or written (a full or read-only
    temporary directory) the device goes on as if it waited alone, never failing for it."""

    def __init__(self, root, device, slots=None, sleep=time.sleep):
        self.root = root
        self.mine = os.path.join(root, hashlib.sha256(device.encode("utf-8")).hexdigest()[:16] + _SUFFIX)
        self.slots = max(1, slots or usable_cpus())
        self.sleep = sleep
        self.holding = None  # the lock file of the slot held now, while a client run holds one

    @classmethod
    def for_this_run(cls, device, base=None):
        """The board of the ansible-playbook run this process belongs to, or None (no run found, no private
        directory): then the device waits alone, on the schedule's own rules."""
        run = playbook_run()
        if run is None:
            return None
        try:
            top = private_directory(os.path.join(base or tempfile.gettempdir(), RUNS_PREFIX + str(os.geteuid())))
            if top is None:
                return None
            name = "run-%d-%s" % run
            for entry in os.listdir(top):  # runs that ended (or were killed) leave their directory: remove it
                parts = entry.split("-")
                if entry != name and entry.startswith("run-") and len(parts) == 3 and not _alive(parts[1], parts[2]):
                    shutil.rmtree(os.path.join(top, entry), ignore_errors=True)
            root = private_directory(os.path.join(top, name))
        except OSError:  # a directory of ours we may not list (mode 0300): wait alone
            return None
        return None if root is None else cls(root, device)

    def tell(self, sent, still, done):
        """Record this device's looks so far (see _poll_schedule.Seen)."""
        data = json.dumps({"sent": sent, "still": still, "done": done}).encode("utf-8")
        try:
            replace_private_file(self.mine, data)
        except OSError:
            pass  # the others learn nothing from this device: they look on their own evidence

    def forget(self):
        """Take this device's looks off the board: a device that failed must not lead the others' waits."""
        try:
            os.unlink(self.mine)
        except OSError:
            pass

    def fleet(self):
        """What the other devices of the run have shown (``Seen`` entries); records that are not ours (not
        JSON, a value that is not a finite number of seconds) are left out."""
        seen = []
        try:
            entries = os.listdir(self.root)
        except OSError:
            return seen
        for entry in entries:
            path = os.path.join(self.root, entry)
            if not entry.endswith(_SUFFIX) or path == self.mine:
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    record = json.load(handle)
                seen.append(Seen(_seconds(record["sent"], required=True), _seconds(record["still"]),
                                 _seconds(record["done"])))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # being replaced, or not ours: a device that tells nothing
        return seen

    def once(self, key, compute):
        """``compute()`` (a str) for the whole run: the first device to ask computes it while the devices that
        ask for the same ``key`` wait on its lock, then read its answer; a SnowballError is kept too (a client
        that hangs or is not the client makes every device wait for it once, not once each)."""
        folder = os.path.join(self.root, hashlib.sha256(key.encode("utf-8")).hexdigest()[:16])
        path = os.path.join(folder, "answer")
        computed = []
        try:
            with locked([path], create=True):
                try:
                    with open(path, encoding="utf-8") as handle:
                        known = json.load(handle)
                except (OSError, ValueError):
                    try:
                        known = {"answer": compute()}
                    except SnowballError as error:
                        known = {"refused": str(error)}
                    computed.append(known)
                    try:
                        replace_private_file(path, json.dumps(known).encode("utf-8"))
                    except OSError:
                        pass
        except (OSError, SnowballError):  # the board cannot be used (its folder, its lock): this device asks itself
            known = computed[0] if computed else {"answer": compute()}
        if "refused" in known:
            raise SnowballError(str(known["refused"]))
        return str(known["answer"])

    @contextlib.contextmanager
    def client_slot(self, urgent=True, until=None):
        """Hold one of ``slots`` client starts of the run for the ``with`` block: a JVM start takes a core's
        worth of CPU, and thirty at once on two cores make every one of them (and its look) late. While every
        slot is busy, the device waits its turn: starts are served in the order they asked (a ticket each), so a
        device's look is never overtaken again and again by the run's later ones, and the first slot to free is
        taken (a client that hangs keeps only its own). A start that is not ``urgent`` (a check once the device
        is known UNLOCKED, which no one waits for while the run's other devices still unlock) lines up as if it
        had asked ``LATER`` seconds later: looks asked meanwhile go first, and it is never held back longer.
        ``until``: the time.monotonic() by which the task must end; SnowballError (``deadline``) when it comes
        while the device is still in line."""
        handles = []
        ticket = None
        try:
            try:
                for number in range(self.slots):
                    handles.append(open(os.path.join(self.root, "slot-%d.lock" % number), "a", encoding="utf-8"))
            except OSError:
                for handle in handles:
                    handle.close()
                handles = []  # the board cannot be used: run without a slot
            ticket = self._take_ticket(0 if urgent else LATER) if handles else None
            while handles:
                if self._my_turn(ticket):
                    for number, handle in enumerate(handles):
                        try:
                            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        except BlockingIOError:
                            continue
                        ticket = _drop(ticket)  # holding a slot: no longer waiting, the next in line moves up
                        self.holding = handle
                        try:
                            yield number
                        finally:
                            self.holding = None
                        return
                if until is not None and time.monotonic() >= until:
                    raise SnowballError("Every client start of this run stayed busy until the task's timeout: the run's "
                                        "other devices held them. Raise the timeout, or run fewer devices at once "
                                        "(--forks).", client_timeout=True, deadline=True)
                self.sleep(SLOT_RETRY)
            yield None
        finally:
            _drop(ticket)
            for handle in handles:
                handle.close()

    def let_go(self):
        """Free the slot held now before its client run ends (see START_SECONDS)."""
        if self.holding is not None:
            try:
                fcntl.flock(self.holding, fcntl.LOCK_UN)
            except OSError:
                pass
            self.holding = None

    def _take_ticket(self, later):
        """A place in the line for a client start, ``later`` seconds behind the ones asked now: a file named by
        the (system-wide, monotonic) time it counts from, locked while its process waits (a lock goes with the
        process, however it ends: a ticket nobody holds is left by a waiter that is gone). None when it cannot be
        written: then the device tries for slots out of line."""
        name = "%020d-%s" % (time.monotonic_ns() + int(later * 1e9), secrets.token_hex(8))
        path = os.path.join(self.root, _TICKET + name)
        new = os.path.join(self.root, "new-" + name)
        try:
            handle = open(new, "x", encoding="utf-8")  # pylint: disable=consider-using-with
        except OSError:
            return None
        try:
            # locked before it is in line under its name: a ticket seen unlocked there is one nobody holds
            fcntl.flock(handle, fcntl.LOCK_EX)
            os.rename(new, path)
        except OSError:
            _drop((new, handle))
            return None
        return path, handle

    def _my_turn(self, ticket):
        """Whether fewer than ``slots`` held tickets are ahead of ``ticket``; one nobody holds (its waiter is
        gone: killed, or a file that is not a waiter's) is removed. Always True for a device out of line."""
        if ticket is None:
            return True
        mine = os.path.basename(ticket[0])
        try:
            entries = sorted(entry for entry in os.listdir(self.root) if entry.startswith(_TICKET) and entry < mine)
        except OSError:
            return True
        ahead = 0
        for entry in entries:
            if ahead >= self.slots:
                break
            if _held(os.path.join(self.root, entry)):
                ahead += 1
        return ahead < self.slots


def _held(path):
    """Whether a waiter holds the ticket at ``path``; one that is not held is removed."""
    try:
        with open(path, encoding="utf-8") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
    except OSError:
        return False  # gone meanwhile, or not ours to read: it holds no one up
    try:
        os.unlink(path)
    except OSError:
        pass
    return False


def _drop(ticket):
    """Leave the line: remove the ticket (its path and its locked file) and let go of its lock (None: not in line);
    returns None."""
    if ticket is not None:
        try:
            os.unlink(ticket[0])
        except OSError:
            pass
        ticket[1].close()
    return None


def usable_cpus(proc="/proc/self", cgroups="/sys/fs/cgroup"):
    """How many CPUs this process may use: the ones it may run on (taskset, a container's cpuset), fewer when its
    cgroup (v2) has a CPU quota (docker --cpus, a Kubernetes limit on an AWX job pod), rounded up; os.cpu_count()
    counts the machine's."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:
        with open(os.path.join(proc, "cgroup"), encoding="utf-8") as handle:
            group = [line.split("::", 1)[1].strip() for line in handle if line.startswith("0::")][0]
        with open(os.path.join(cgroups, group.lstrip("/"), "cpu.max"), encoding="utf-8") as handle:
            quota, period = handle.read().split()[:2]
        if quota != "max":
            count = min(count, max(1, -(-int(quota) // int(period))))
    except (OSError, IndexError, ValueError):
        pass  # no cgroup v2, or no quota on ours
    return max(1, count)


def _seconds(value, required=False):
    """A record's number of seconds (None stays None unless ``required``); ValueError for anything else, NaN and
    negatives included."""
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise ValueError(value)
    return float(value)
