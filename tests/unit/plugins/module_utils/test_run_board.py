# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the devices of one ansible-playbook run share: found from the process tree, kept private, holding
only timings, and a cap on simultaneous client starts."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import subprocess
import sys
import textwrap
import threading

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _run_board
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import TRANSIENT_PREFIX
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._poll_schedule import Seen
from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import RUNS_PREFIX
from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import RunBoard


def as_playbook(tmp_path, body, driver=False):
    """Run ``body`` (Python) in a child of a process named ansible-playbook, as a forked worker or a module
    is; returns what it prints, as JSON. ``driver``: that ansible-playbook is started by another process whose
    name starts with ansible-playbook (a driver playbook's command task, a wrapper script)."""
    child = tmp_path / "child.py"
    child.write_text("import json, os, sys\n" + textwrap.dedent(body))
    parent = tmp_path / "ansible-playbook"
    # ansible-playbook forks a worker per task (same command line), which runs the module's logic or starts it
    parent.write_text("#!%s\nimport os, subprocess, sys\npid = os.fork()\n"
                      "if pid == 0:\n    os._exit(subprocess.call([sys.executable, %r]))\n"
                      "sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n" % (sys.executable, str(child)))
    parent.chmod(0o700)
    if driver:
        outer = tmp_path / "ansible-playbook-driver"
        outer.write_text("#!%s\nimport subprocess, sys\nsys.exit(subprocess.call([%r]))\n" % (sys.executable, str(parent)))
        outer.chmod(0o700)
        parent = outer
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path), TMPDIR=str(tmp_path))
    out = subprocess.run([str(parent)], env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def within_30_seconds(function):
    """``function()``'s answer, run in a thread so that one that blocks for ever fails the test instead of
    hanging it."""
    answers = []
    thread = threading.Thread(target=lambda: answers.append(function()), daemon=True)
    thread.start()
    thread.join(30)
    assert answers, "%s blocked" % function.__name__
    return answers[0]


def test_a_process_outside_ansible_playbook_waits_alone(tmp_path):
    assert _run_board.playbook_run() is None
    assert RunBoard.for_this_run("192.0.2.10", base=str(tmp_path)) is None


def test_the_devices_of_one_run_share_a_private_board(tmp_path):
    seen = as_playbook(tmp_path, """
        from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import RunBoard
        first = RunBoard.for_this_run("192.0.2.10")
        second = RunBoard.for_this_run("192.0.2.11")
        first.tell(5.0, 40.0, None)
        second.tell(6.0, 60.0, 75.5)
        ancestors = [os.getppid()]
        with open("/proc/%d/stat" % ancestors[0]) as handle:
            ancestors.append(int(handle.read().rsplit(")", 1)[1].split()[1]))
        print(json.dumps({"root": first.root, "same": first.root == second.root, "ancestors": ancestors,
                          "first_sees": second.fleet() and [list(entry) for entry in first.fleet()],
                          "files": sorted(os.listdir(first.root))}))
    """)
    assert seen["same"]
    # keyed to ansible-playbook itself, not to the forked worker that has the same command line
    assert os.path.basename(seen["root"]).startswith("run-%d-" % seen["ancestors"][1])
    assert seen["first_sees"] == [[6.0, 60.0, 75.5]]
    top = os.path.dirname(seen["root"])
    assert os.path.basename(top) == RUNS_PREFIX + str(os.geteuid())
    assert not os.path.basename(top).startswith(TRANSIENT_PREFIX)  # never taken for a transient home and removed
    for directory in (top, seen["root"]):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    for name in os.listdir(seen["root"]):
        path = os.path.join(seen["root"], name)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with open(path, encoding="utf-8") as handle:
            assert set(json.load(handle)) == {"sent", "still", "done"}  # timings only: no address, code or path


def test_a_run_that_ended_leaves_no_board_behind(tmp_path):
    top = tmp_path / (RUNS_PREFIX + str(os.geteuid()))
    top.mkdir(mode=0o700)
    gone = top / "run-999999999-12345"  # no such process
    gone.mkdir(mode=0o700)
    (gone / "x.seen").write_text("{}")
    as_playbook(tmp_path, """
        from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import RunBoard
        RunBoard.for_this_run("192.0.2.10")
        print("{}")
    """)
    assert not gone.exists()


def test_a_shared_directory_of_another_mode_is_not_used(tmp_path):
    top = tmp_path / (RUNS_PREFIX + str(os.geteuid()))
    top.mkdir(mode=0o755)
    top.chmod(0o755)
    assert _run_board.private_directory(str(top)) is None
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    assert _run_board.private_directory(str(link)) is None


def test_a_device_that_tells_nonsense_is_ignored(tmp_path):
    board = RunBoard(str(tmp_path), "192.0.2.10")
    (tmp_path / "garbage.seen").write_text("not json")
    (tmp_path / "other.seen").write_text(json.dumps({"sent": 1.0, "still": None, "done": 30}))
    board.tell(2.0, None, None)
    assert board.fleet() == [Seen(1.0, None, 30.0)]


def test_client_starts_are_capped_at_the_slots(tmp_path):
    board = RunBoard(str(tmp_path), "192.0.2.10", slots=2)
    with board.client_slot() as first:
        with board.client_slot() as second:
            assert {first, second} == {0, 1}
            for number in range(2):  # both held: a third start would wait
                with open(tmp_path / ("slot-%d.lock" % number), "a", encoding="utf-8") as handle:
                    with pytest.raises(BlockingIOError):
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / "slot-0.lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the block ends


def test_a_client_run_is_measured_in_cpu_seconds():
    before = _run_board.children_cpu()
    subprocess.run([sys.executable, "-c", "sum(range(3 * 10 ** 6))"], check=True)
    assert _run_board.children_cpu() - before > 0


def test_an_answer_asked_once_a_run_is_computed_by_the_first_device_only(tmp_path):
    computed = []

    def compute():
        computed.append(1)
        return "1.2.0  Build 661"

    first, second = RunBoard(str(tmp_path), "192.0.2.10"), RunBoard(str(tmp_path), "192.0.2.11")
    assert first.once("client version /opt/snowballEdge", compute) == "1.2.0  Build 661"
    assert second.once("client version /opt/snowballEdge", compute) == "1.2.0  Build 661"
    assert len(computed) == 1
    assert second.once("client version /other/snowballEdge", compute) == "1.2.0  Build 661"
    assert len(computed) == 2  # another key, another answer
    for root, directories, files in os.walk(tmp_path):
        for name in directories + files:
            path = os.path.join(root, name)
            assert "snowballEdge" not in name
            assert stat.S_IMODE(os.stat(path).st_mode) == (0o700 if name in directories else 0o600)


def test_a_refusal_is_kept_for_the_other_devices_of_the_run(tmp_path):
    """A client that hangs or is not the client: every device fails on the first one's answer, none asks again."""
    asked = []

    def refuse():
        asked.append(1)
        raise SnowballError("/bin/true is not the Snowball Edge client")

    for device in ("192.0.2.10", "192.0.2.11"):
        with pytest.raises(SnowballError, match="is not the Snowball Edge client"):
            RunBoard(str(tmp_path), device).once("client version /bin/true", refuse)
    assert len(asked) == 1


def test_another_key_is_not_held_up_by_an_answer_being_computed(tmp_path):
    board = RunBoard(str(tmp_path), "192.0.2.10")

    def slow_wrong_client():
        # while the wrong client's answer is being computed, the right client's is asked and answered
        return board.once("client version /opt/snowballEdge", lambda: "1.2.0")

    assert within_30_seconds(lambda: board.once("client version /bin/wrong", slow_wrong_client)) == "1.2.0"


def test_an_unusable_board_answers_by_computing_alone(tmp_path, monkeypatch):
    board = RunBoard(str(tmp_path / "gone"), "192.0.2.10")  # its directory was removed: nothing can be kept
    assert board.once("client version /opt/snowballEdge", lambda: "1.2.0") == "1.2.0"

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_run_board, "replace_private_file", full)
    board = RunBoard(str(tmp_path), "192.0.2.10")
    board.tell(1.0, None, None)  # a full disk does not fail the device's wait
    assert board.once("client version /opt/snowballEdge", lambda: "1.2.0") == "1.2.0"
    assert board.fleet() == []


def test_records_that_are_not_finite_seconds_are_left_out(tmp_path):
    board = RunBoard(str(tmp_path), "192.0.2.10")
    for number, record in enumerate(['{"sent": 1.0, "still": NaN, "done": 1}', '{"sent": 1.0, "still": -5, "done": null}',
                                     '{"sent": Infinity, "still": null, "done": null}', '{"sent": 1.0, "still": true, "done": null}',
                                     '{"sent": 2.0, "still": 3.5, "done": null}']):
        (tmp_path / ("%d.seen" % number)).write_text(record)
    assert board.fleet() == [Seen(2.0, 3.5, None)]


def test_a_device_that_failed_is_taken_off_the_board(tmp_path):
    failed, other = RunBoard(str(tmp_path), "192.0.2.10"), RunBoard(str(tmp_path), "192.0.2.11")
    failed.tell(1.0, 30.0, None)
    assert other.fleet() == [Seen(1.0, 30.0, None)]
    failed.forget()
    assert other.fleet() == []


def test_a_shared_directory_we_may_not_list_means_waiting_alone(tmp_path, monkeypatch):
    top = tmp_path / (RUNS_PREFIX + str(os.geteuid()))
    top.mkdir(mode=0o700)
    monkeypatch.setattr(_run_board, "playbook_run", lambda: (os.getpid(), "1"))

    def refused(_path):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(_run_board.os, "listdir", refused)
    assert RunBoard.for_this_run("192.0.2.10", base=str(tmp_path)) is None


def test_a_client_start_takes_the_first_slot_to_free_not_one_held_by_a_hanging_client(tmp_path):
    held = []
    for number in range(2):
        handle = open(tmp_path / ("slot-%d.lock" % number), "a", encoding="utf-8")  # pylint: disable=consider-using-with
        fcntl.flock(handle, fcntl.LOCK_EX)
        held.append(handle)

    def sleep(_seconds):
        held.pop().close()  # slot 1's client ends; slot 0's hangs on

    board = RunBoard(str(tmp_path), "192.0.2.10", slots=2, sleep=sleep)

    def take():
        with board.client_slot() as slot:
            return slot

    assert within_30_seconds(take) == 1
    held[0].close()


class _Overtaken(Exception):
    pass


def test_a_client_start_never_overtakes_one_that_waited_longer(tmp_path):
    holder = open(tmp_path / "slot-0.lock", "a", encoding="utf-8")  # pylint: disable=consider-using-with
    fcntl.flock(holder, fcntl.LOCK_EX)  # the run's only slot, busy
    late_waited = []

    def late_sleep(_seconds):
        late_waited.append(True)
        raise _Overtaken()  # it had to wait: it stops asking here

    late = RunBoard(str(tmp_path), "192.0.2.12", slots=1, sleep=late_sleep)

    def early_sleep(_seconds):
        # While the early device waits its turn, the slot frees and a later device asks for one at that moment.
        if not holder.closed:
            holder.close()
            with pytest.raises(_Overtaken):
                with late.client_slot():
                    pass

    early = RunBoard(str(tmp_path), "192.0.2.11", slots=1, sleep=early_sleep)

    def take():
        with early.client_slot() as slot:
            return slot

    assert within_30_seconds(take) == 0
    assert late_waited, "the later device took the slot the earlier one had waited for"
    assert not [entry for entry in os.listdir(tmp_path) if entry.startswith("ticket-")]  # nobody left in line


def test_a_check_after_the_unlock_lets_a_look_asked_later_go_first(tmp_path):
    holder = open(tmp_path / "slot-0.lock", "a", encoding="utf-8")  # pylint: disable=consider-using-with
    fcntl.flock(holder, fcntl.LOCK_EX)  # the run's only slot, busy
    order = []

    def check_sleep(_seconds):
        # The certificate check of an unlocked device waits; a look of a device that still unlocks asks meanwhile.
        if not holder.closed:
            holder.close()
            with looking.client_slot() as slot:
                order.append(("look", slot))

    looking = RunBoard(str(tmp_path), "192.0.2.12", slots=1, sleep=lambda _seconds: pytest.fail("the look waited"))
    checking = RunBoard(str(tmp_path), "192.0.2.11", slots=1, sleep=check_sleep)

    def check():
        with checking.client_slot(urgent=False) as slot:
            order.append(("check", slot))

    within_30_seconds(check)
    assert order == [("look", 0), ("check", 0)]


def test_a_check_after_the_unlock_is_held_back_no_longer_than_later_seconds(tmp_path, monkeypatch):
    now = [10 ** 12]  # nanoseconds of the monotonic clock tickets count from
    monkeypatch.setattr(_run_board.time, "monotonic_ns", lambda: now[0])
    holder = open(tmp_path / "slot-0.lock", "a", encoding="utf-8")  # pylint: disable=consider-using-with
    fcntl.flock(holder, fcntl.LOCK_EX)
    late_waited = []

    def late_sleep(_seconds):
        late_waited.append(True)
        raise _Overtaken()

    looking = RunBoard(str(tmp_path), "192.0.2.12", slots=1, sleep=late_sleep)

    def check_sleep(_seconds):
        # a look asked more than LATER seconds after the check: the check goes first
        if not holder.closed:
            now[0] += int((_run_board.LATER + 1) * 1e9)
            holder.close()
            with pytest.raises(_Overtaken):
                with looking.client_slot():
                    pass

    checking = RunBoard(str(tmp_path), "192.0.2.11", slots=1, sleep=check_sleep)

    def check():
        with checking.client_slot(urgent=False) as slot:
            return slot

    assert within_30_seconds(check) == 0
    assert late_waited


def test_a_ticket_is_in_line_only_once_its_waiter_holds_it(tmp_path):
    holder = open(tmp_path / "slot-0.lock", "a", encoding="utf-8")  # pylint: disable=consider-using-with
    fcntl.flock(holder, fcntl.LOCK_EX)
    seen = []

    def sleep(_seconds):
        # what another waiter sees while this one waits: one ticket, held (so not removed as a dead waiter's)
        names = os.listdir(tmp_path)
        tickets = [name for name in names if name.startswith("ticket-")]
        seen.append((len(tickets), [name for name in names if name.startswith("new-")],
                     _run_board._held(str(tmp_path / tickets[0]))))  # pylint: disable=protected-access
        holder.close()

    board = RunBoard(str(tmp_path), "192.0.2.10", slots=1, sleep=sleep)
    with board.client_slot() as slot:
        assert slot == 0
    assert seen == [(1, [], True)]


def test_a_ticket_nobody_holds_does_not_hold_up_the_line(tmp_path):
    # left by a waiter that was killed, or written by something else: whatever it names, no one waits behind it
    (tmp_path / ("ticket-%020d-%s" % (1, "0" * 16))).write_text("")
    (tmp_path / ("ticket-%020d-%d-%s" % (2, os.getpid(), "1"))).write_text("")  # a live process's pid in its name
    board = RunBoard(str(tmp_path), "192.0.2.10", slots=1, sleep=lambda _seconds: pytest.fail("waited for no one"))
    with board.client_slot() as slot:
        assert slot == 0
    assert not [entry for entry in os.listdir(tmp_path) if entry.startswith("ticket-")]


def test_waiting_in_line_ends_at_the_tasks_deadline(tmp_path):
    holder = open(tmp_path / "slot-0.lock", "a", encoding="utf-8")  # pylint: disable=consider-using-with
    fcntl.flock(holder, fcntl.LOCK_EX)  # held by a client that hangs, or by the run's other devices
    board = RunBoard(str(tmp_path), "192.0.2.10", slots=1, sleep=lambda _seconds: None)

    def take():
        with pytest.raises(SnowballError) as raised:
            with board.client_slot(until=_run_board.time.monotonic() - 1):
                pass
        return raised.value

    error = within_30_seconds(take)
    assert error.facts["deadline"] and "timeout" in str(error)
    assert not [entry for entry in os.listdir(tmp_path) if entry.startswith("ticket-")]  # left the line
    holder.close()


def test_the_slots_are_the_cpus_this_process_may_use(tmp_path, monkeypatch):
    monkeypatch.setattr(_run_board.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    proc, cgroups = tmp_path / "proc", tmp_path / "cgroup"
    proc.mkdir()
    (proc / "cgroup").write_text("0::/kubepods/awx-job\n")
    assert _run_board.usable_cpus(str(proc), str(cgroups)) == 4  # no cgroup v2 quota: the affinity's CPUs
    (cgroups / "kubepods" / "awx-job").mkdir(parents=True)
    (cgroups / "kubepods" / "awx-job" / "cpu.max").write_text("150000 100000\n")  # a limit of 1.5 CPUs
    assert _run_board.usable_cpus(str(proc), str(cgroups)) == 2
    (cgroups / "kubepods" / "awx-job" / "cpu.max").write_text("max 100000\n")
    assert _run_board.usable_cpus(str(proc), str(cgroups)) == 4
    monkeypatch.setattr(_run_board.os, "sched_getaffinity", lambda _pid: {3}, raising=False)  # taskset -c 3
    assert _run_board.usable_cpus(str(proc), str(cgroups)) == 1


def test_an_ansible_playbook_started_by_another_is_a_run_of_its_own(tmp_path):
    seen = as_playbook(tmp_path, """
        from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import playbook_run
        ancestors = [os.getppid()]
        for _level in range(2):
            with open("/proc/%d/stat" % ancestors[-1]) as handle:
                ancestors.append(int(handle.read().rsplit(")", 1)[1].split()[1]))
        print(json.dumps({"run": playbook_run()[0], "ancestors": ancestors}))
    """, driver=True)
    worker, inner, driver = seen["ancestors"]
    assert seen["run"] == inner, (worker, inner, driver)  # not the driver called ansible-playbook-*
