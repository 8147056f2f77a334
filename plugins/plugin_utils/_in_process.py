# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-process path: a module's ``run(ctx)`` in the controller's worker process, with its task context,
its AWS client, the clean-up of an interrupted task and the facts a shipped module adds about a file."""

from __future__ import annotations

import contextlib
import grp
import multiprocessing
import os
import pwd
import shutil
import signal
import stat
import threading

try:
    import boto3
    import botocore
    import botocore.config
    import botocore.loaders
    import botocore.session
    HAS_BOTOCORE = True
except ImportError:
    HAS_BOTOCORE = False

from ansible.module_utils.common.parameters import remove_values
from ansible.utils.display import Display
from ansible_collections.amazon.aws.plugins.module_utils.botocore import _get_user_agent_string
from ansible_collections.amazon.aws.plugins.module_utils.botocore import _merge_botocore_config
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.amazon.aws.plugins.plugin_utils.base import AWSPluginBase
from ansible_collections.amazon.aws.plugins.plugin_utils.botocore import get_aws_connection_info
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_errors import aws_error
from ansible_collections.fieldops.snowball.plugins.module_utils._context import TaskContext
from ansible_collections.fieldops.snowball.plugins.module_utils._context import finish
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._process import run_process

display = Display()


# botocore's data files (the service model, endpoints, partitions, retry and defaults configuration),
# parsed once per ansible-playbook run instead of once per task. Every task runs in a worker forked from
# ansible-playbook, and a new boto3 session parses them again with a loader of its own. The linear strategy
# imports the action plugins in ansible-playbook itself (action_loader.get(class_only=True)) before it forks
# a worker, so a loader warmed at import time here is inherited by every worker. {data_path: loader}
#
# Why not amazon.aws's AWSPluginBase.client as it is (it makes a fresh session, so no loader can be shared):
# measured 2026-12-01 with boto3/botocore 1.43.11, the median of 15 forked workers each creating a snowball
# client: 0.040 s of CPU with a fresh loader, 0.009 s with the shared one. That is 0.031 s per AWS task,
# 0.06 s per device (two AWS tasks in the role): more than a third of the collection's own 0.16 s of CPU a
# device (bench/README.md). So the client below is AWSPluginBase.client on a session that shares the loader.
_SHARED_LOADERS = {}
_WARMED = set()


def warm_aws_loader(service):
    """Parse ``service``'s data files into a loader that later sessions share. Only speed depends on it:
    a worker whose AWS_DATA_PATH differs, or a warm-up that failed, parses the files itself, as before."""
    if not HAS_BOTOCORE:
        return
    try:
        core = botocore.session.Session()
        if (core.get_config_variable("data_path"), service) in _WARMED:
            return  # the three AWS action plugins each ask, on import
        core.register_component("data_loader", _shared_loader(core))
        # Unsigned: no credential lookup (nor an instance metadata query) for a client that sends nothing.
        boto3.session.Session(botocore_session=core).client(
            service, region_name="us-east-1", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
        _WARMED.add((core.get_config_variable("data_path"), service))
    except Exception:  # pylint: disable=broad-exception-caught
        pass  # a profile or config file problem: the task reports it when it creates its own client


def _shared_loader(core):
    data_path = core.get_config_variable("data_path")
    if data_path not in _SHARED_LOADERS:
        _SHARED_LOADERS[data_path] = botocore.loaders.create_loader(data_path)
    loader = _SHARED_LOADERS[data_path]
    # boto3 appends its own data directory on every session: drop the copies earlier sessions added.
    loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return loader


class _AWSOptions(AWSPluginBase):
    """amazon.aws's client factory for controller-side plugins, fed the task's validated options."""

    def __init__(self, params):
        self._params = params

    def get_options(self):
        return self._params

    def _do_fail(self, message):
        raise SnowballError("Could not create the AWS client: %s" % message)

    def client(self, service, retry_decorator=None):
        """AWSPluginBase.client (amazon.aws's options, environment fallbacks, user agent and config), on a
        session that shares the parsed data files (see warm_aws_loader)."""
        region, endpoint, params = get_aws_connection_info(self)
        config = botocore.config.Config(user_agent=_get_user_agent_string())
        for key in ("config", "aws_config"):
            config = _merge_botocore_config(config, params.pop(key, None))
        try:
            core = botocore.session.Session()
            core.register_component("data_loader", _shared_loader(core))
            session = boto3.session.Session(botocore_session=core, profile_name=params.pop("profile_name", None))
            conn = session.client(service, config=config, region_name=region, endpoint_url=endpoint, **params)
        except botocore.exceptions.NoRegionError as error:
            raise aws_error(error, "CreateClient", service, None) from None
        except (ValueError, botocore.exceptions.BotoCoreError) as error:
            self.fail_aws("Couldn't connect to AWS", exception=error)
        return conn if retry_decorator is None else RetryingBotoClientWrapper(conn, retry_decorator)


class ActionContext(TaskContext):
    """The task context (see module_utils/_context.py) in the controller's worker process."""

    def __init__(self, params, check_mode, diff, host=None):
        super().__init__(params, check_mode, diff, _AWSOptions(params))
        self.host = host

    def progress(self, msg):
        # Display sends a worker's line to ansible-playbook's own output; the host prefix keeps forks apart. On
        # stderr, as warnings are: a stdout callback that prints JSON (json, AWX's) keeps a document of its own.
        display.display("[%s] %s" % (self.host, msg) if self.host else msg, stderr=True)

    @staticmethod
    def run_command(argv, environ_update=None, timeout=None, busy=None):
        return run_process(argv, environ_update=environ_update, timeout=timeout, busy=busy)

    @staticmethod
    def find_executable(name):
        return shutil.which(name)

    @staticmethod
    def warn(msg):
        display.warning(msg)


def add_path_info(result):
    """The facts AnsibleModule.exit_json adds about the file a result names, so both paths agree."""
    path = result.get("path", result.get("dest"))
    if not isinstance(path, str) or not os.path.lexists(path):
        return result
    status = os.lstat(path)
    result.update(uid=status.st_uid, gid=status.st_gid, mode="0%03o" % stat.S_IMODE(status.st_mode),
                  size=status.st_size, owner=_name(pwd.getpwuid, status.st_uid), group=_name(grp.getgrgid, status.st_gid))
    if stat.S_ISLNK(status.st_mode):
        result["state"] = "link"
    elif stat.S_ISDIR(status.st_mode):
        result["state"] = "directory"
    else:
        result["state"] = "hard" if status.st_nlink > 1 else "file"
    return result


@contextlib.contextmanager
def cleanups_run_on_interrupt():
    """On Ctrl-C or SIGTERM, ansible-playbook signals each worker, whose handler signals the worker's process
    group and exits at once: no ``finally`` runs, and a transient profile (in-process) would stay on disk
    with the code. For the time the task runs, a signal raises instead, so every cleanup runs (a running
    client is killed with its children by _process.run_process); then ansible-core's own handler takes over as before."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []

    def interrupt(signum, _frame):
        if not received:
            received.append(signum)
            raise KeyboardInterrupt("signal %d" % signum)

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
                if signal.getsignal(signum) != signal.SIG_IGN}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            handler = previous[received[0]]
            if callable(handler):
                handler(received[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), received[0])


_HANGUP_FORWARDER = {}


def forward_hangup_to_workers():
    """In ansible-playbook itself: make a hang-up (a closed terminal or SSH session) end the running tasks as
    SIGTERM does. ansible-core forwards SIGINT and SIGTERM to its workers, which run in sessions of their own,
    but not SIGHUP: ansible-playbook exits 129 and its workers run on, the client and a transient profile
    holding the code with them, until the unlock ends. Here SIGHUP sends each worker SIGTERM (it then ends its
    process group, client and shipped module included, whose cleanups run), then ends ansible-playbook as a
    hang-up does. Installed once, by the first import of the action plugins (the strategy imports them in
    ansible-playbook before it forks a worker); a handler someone else installed is left alone."""
    if _HANGUP_FORWARDER or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGHUP) != signal.SIG_DFL:
        return
    _HANGUP_FORWARDER["pid"] = os.getpid()
    signal.signal(signal.SIGHUP, _hangup)


def _hangup(signum, _frame):
    signal.signal(signum, signal.SIG_DFL)
    if os.getpid() == _HANGUP_FORWARDER.get("pid"):  # a worker inherits the handler: it only hangs up
        for child in multiprocessing.active_children():
            with contextlib.suppress(OSError):
                os.kill(child.pid, signal.SIGTERM)
    os.kill(os.getpid(), signum)


def _name(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def run_in_process(module, params, spec, check_mode, diff, host=None):
    """``module.run`` on the validated ``params``: its result, masked as AnsibleModule masks it (the values of
    the no_log options of the flat ``spec``, and the secrets the logic named), with the same file facts."""
    ctx = ActionContext(params, check_mode, diff, host)
    result = finish(module.run, ctx)
    no_log_values = {str(params[key]) for key, option in spec.items() if option.get("no_log") and params[key]}
    no_log_values |= ctx.secrets
    result["invocation"] = dict(module_args=remove_values(params, no_log_values))
    return add_path_info(remove_values(result, no_log_values))
