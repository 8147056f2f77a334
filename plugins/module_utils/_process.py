# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a program with a deadline on both paths (in the worker and in a shipped module): past it, or on an
interrupt, the program is killed with every child it started."""

from __future__ import annotations

import os
import signal
import subprocess

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


class Overdue(SnowballError):
    """The program did not finish within ``seconds``; it and its children were killed."""

    def __init__(self, seconds):
        super().__init__("did not answer within %s s" % _seconds(seconds), timed_out=True)
        self.seconds = seconds


def _seconds(value):
    return ("%d" % value) if float(value).is_integer() else ("%.1f" % value)


def _kill_group(process):
    # The program leads a session of its own (start_new_session): its group holds every child it started, also
    # one that keeps its stdout open, which would otherwise hold communicate() for ever.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.kill()
    except ProcessLookupError:
        pass


# How long the output of a killed program is still read: a child that left its session (setsid) is out of reach
# of the group kill and may hold the pipes open for ever.
DRAIN_SECONDS = 2


def _drain(process):
    """Read what the killed program printed, for DRAIN_SECONDS at most, then close its pipes."""
    try:
        process.communicate(timeout=DRAIN_SECONDS)
    except subprocess.TimeoutExpired:
        for pipe in (process.stdout, process.stderr):
            pipe.close()
        process.wait()


def run_process(argv, environ_update=None, timeout=None, busy=None):
    """``(rc, stdout, stderr)`` of ``argv`` (no shell, stdin empty) in this environment plus ``environ_update``.
    ``timeout`` seconds (None: no limit): past it, Overdue. ``busy``: ``(seconds, callback)``, ``callback()`` once
    the program has run that long. AnsibleModule.run_command has no timeout, so a shipped module runs its programs
    here too."""
    try:
        # Not AnsibleModule.run_command: it has no deadline and cannot start the program in a session of its own
        # (ansible-core 2.21's sanity asks for run_command in module_utils).
        process = subprocess.Popen(  # pylint: disable=ansible-bad-function
            argv, env=dict(os.environ, **(environ_update or {})), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True)
    except OSError as error:
        raise SnowballError("Could not run %s: %s" % (argv[0], error.strerror or error)) from None
    first = busy[0] if busy is not None and (timeout is None or busy[0] < timeout) else timeout
    try:
        try:
            out, err = process.communicate(timeout=first)
        except subprocess.TimeoutExpired:
            if first == timeout:
                raise
            busy[1]()
            # communicate() again loses no output (subprocess documentation)
            out, err = process.communicate(timeout=None if timeout is None else timeout - first)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        _drain(process)
        raise Overdue(timeout) from None
    except BaseException:  # an interrupt or the task's own timeout: nothing of the program may outlive the task
        _kill_group(process)
        _drain(process)
        raise
    return (process.returncode, to_text(out, errors="surrogate_or_replace"),
            to_text(err, errors="surrogate_or_replace"))
