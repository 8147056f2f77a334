# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module's logic needs from the task it runs in, and the module shell.

Every module's logic is a function ``run(ctx)`` that returns the task result
or raises SnowballError. It runs in one of two shells:

* the module's ``main()``, through ``run_module`` below, with a ModuleContext
  over AnsibleModule or AnsibleAWSModule (a shipped module, on any host);
* the module's action plugin, in the controller's worker process, with the
  ActionContext of plugins/plugin_utils/_in_process.py, when the task runs on
  the controller itself.

A context has ``params`` (validated), ``check_mode``, ``diff``, ``region``
and these methods: ``aws_client(service, retry_decorator)``,
``run_command(argv, environ_update, timeout)`` -> (rc, stdout, stderr) (both run it with _process.run_process,
which kills the program and its children past ``timeout``), ``find_executable(name)``, ``warn(msg)``,
``progress(msg)`` (a line shown while the task runs, where the shell can) and ``add_secret(value)``: a value to
mask in the result.
Both shells mask the same way (``finish``), so both give the same result.
"""

from __future__ import annotations

import signal

from ansible.module_utils.common.parameters import remove_values
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._process import run_process

# The collection's one mask for a secret in anything it shows (results, diffs, loop items, messages): what
# ansible-core's remove_values puts in place of a no_log value inside a result.
MASK = "********"


class TaskContext:
    """What both shells' contexts share: the validated task, its AWS connection (``aws``: an object with
    ``region`` and ``client(service, retry_decorator)``, as AnsibleAWSModule and AWSPluginBase have), and the
    secrets to mask."""

    def __init__(self, params, check_mode, diff, aws):
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.secrets = set()
        self._aws = aws

    @property
    def region(self):
        return self._aws.region

    def aws_client(self, service, retry_decorator=None):
        return self._aws.client(service, retry_decorator=retry_decorator)

    def add_secret(self, value):
        self.secrets.add(value)

    def progress(self, msg):
        """A line for the engineer while the task runs; a shipped module cannot print before it ends."""


class ModuleContext(TaskContext):
    """The task context of a shipped module."""

    def __init__(self, module):
        # AnsibleAWSModule wraps an AnsibleModule in ``_module`` and forwards
        # other attributes to it only from amazon.aws 9.5.0 (``__getattr__``):
        # what only AnsibleModule has is asked of the AnsibleModule itself.
        self.module = module
        self.ansible_module = getattr(module, "_module", module)  # pylint: disable=protected-access
        super().__init__(self.ansible_module.params, self.ansible_module.check_mode,
                         self.ansible_module._diff, module)  # pylint: disable=protected-access

    def run_command(self, argv, environ_update=None, timeout=None, busy=None):
        # Not AnsibleModule.run_command: it has no timeout. Its environment (LANG/LC_* = C) is kept.
        environment = dict(getattr(self.ansible_module, "run_command_environ_update", None) or {})
        environment.update(environ_update or {})
        return run_process(argv, environ_update=environment, timeout=timeout, busy=busy)

    def find_executable(self, name):
        return self.ansible_module.get_bin_path(name)

    def warn(self, msg):
        self.module.warn(msg)


def finish(run, ctx):
    """Run ``run(ctx)``: its result, or a failed result that says what to do; secrets masked either way."""
    try:
        result = run(ctx)
    except SnowballError as error:
        result = dict(error.facts, failed=True, msg=error.msg)
    result.setdefault("changed", False)
    return remove_values(result, ctx.secrets) if ctx.secrets else result


def _terminate(signum, _frame):
    # SIGTERM (or SIGHUP) ends a module without running its cleanups; an
    # exception unwinds through them, so a transient profile is removed.
    raise KeyboardInterrupt("signal %d" % signum)


def run_module(module, run):
    """The shell of every module's main(): run the logic, end the task with its result."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    result = finish(run, ModuleContext(module))
    if result.get("failed"):
        result.pop("failed")
        module.fail_json(**result)
    module.exit_json(**result)
