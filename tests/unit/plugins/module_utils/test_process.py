# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a program with a deadline: a program that does not answer is killed with the children it started,
also on an interrupt, and a shipped module's context runs its programs the same way."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _process
from ansible_collections.fieldops.snowball.plugins.module_utils._context import ModuleContext


def gone(pid):
    """Whether ``pid`` has ended (a zombie waiting for init to reap it has)."""
    try:
        with open("/proc/%d/status" % pid, encoding="ascii") as handle:
            return any(line.startswith("State:") and "Z" in line.split()[1] for line in handle)
    except FileNotFoundError:
        return True


def hanging(tmp_path):
    """A program that starts a child holding its output, writes the child's pid, and both wait far past any test."""
    pid_file = tmp_path / "child.pid"
    return ["sh", "-c", "sleep 3600 & echo $! > %s; wait" % pid_file], pid_file


def child_pid(pid_file):
    return int(pid_file.read_text().strip())


def test_a_program_past_its_deadline_is_killed_with_its_children(tmp_path):
    argv, pid_file = hanging(tmp_path)
    started = time.monotonic()
    with pytest.raises(_process.Overdue, match="did not answer within 1 s") as error:
        _process.run_process(argv, timeout=1)
    assert time.monotonic() - started < 30  # not the child's hour: its open pipe did not hold the reader
    assert error.value.seconds == 1 and error.value.facts == {"timed_out": True}
    for _attempt in range(200):  # init reaps the orphaned child in its own time; bounded, not a sleep to wait on
        if gone(child_pid(pid_file)):
            break
        time.sleep(0.01)
    assert gone(child_pid(pid_file))


def test_a_child_that_left_the_programs_session_does_not_hold_the_task_past_its_deadline(tmp_path):
    # setsid puts the child out of reach of the group kill, with the program's output pipes still open.
    pid_file = tmp_path / "escaped.pid"
    argv = ["sh", "-c", "setsid sh -c 'echo $$ > %s; exec sleep 3600' & wait" % pid_file]
    started = time.monotonic()
    try:
        with pytest.raises(_process.Overdue, match="did not answer within 1 s"):
            _process.run_process(argv, timeout=1)
        assert time.monotonic() - started < 1 + _process.DRAIN_SECONDS + 10
    finally:
        for _attempt in range(200):  # the child writes its pid at once; bounded, not a sleep to wait on
            if pid_file.exists() and pid_file.read_text().strip():
                break
            time.sleep(0.01)
        os.kill(child_pid(pid_file), signal.SIGKILL)


def test_an_interrupt_kills_the_program_and_its_children(tmp_path):
    argv, pid_file = hanging(tmp_path)

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt()

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            _process.run_process(argv, timeout=600)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    for _attempt in range(200):
        if gone(child_pid(pid_file)):
            break
        time.sleep(0.01)
    assert gone(child_pid(pid_file))


def test_a_program_still_running_after_the_busy_seconds_is_reported_once_and_its_output_kept(tmp_path):
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    # the program prints, then waits on the FIFO: it can only end once the callback has run and written to it
    program = "print('early', flush=True)\nprint(open(%r).read())" % str(fifo)
    calls = []

    def still_running():
        calls.append(True)
        with open(fifo, "w", encoding="utf-8") as handle:
            handle.write("late")

    rc, out, _err = _process.run_process([sys.executable, "-c", program], timeout=60, busy=(0.05, still_running))
    assert (rc, out.split(), calls) == (0, ["early", "late"], [True])


def test_a_program_that_answers_in_time_gives_its_exit_and_output():
    assert _process.run_process(["sh", "-c", 'printf "%s" "$GREETING"; echo err >&2; exit 3'],
                                environ_update={"GREETING": "hi; ls"}, timeout=60) == (3, "hi; ls", "err\n")


class FakeAnsibleModule:
    params, check_mode, _diff = {}, False, False
    run_command_environ_update = {"LANG": "C", "LC_ALL": "C"}

    def run_command(self, *_args, **_kwargs):
        raise AssertionError("AnsibleModule.run_command has no timeout: never used for the client")


def test_a_shipped_module_runs_programs_with_a_deadline_and_ansibles_locale(tmp_path):
    ctx = ModuleContext(FakeAnsibleModule())
    assert ctx.run_command(["sh", "-c", 'printf "%s %s" "$LC_ALL" "$EXTRA"'], environ_update={"EXTRA": "x"},
                           timeout=60) == (0, "C x", "")
    argv, _pid_file = hanging(tmp_path)
    with pytest.raises(_process.Overdue):
        ctx.run_command(argv, timeout=1)
