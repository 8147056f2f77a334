# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin shared by every module of the collection.

A task that targets the controller itself (a local connection, no become,
not async) runs the module's logic, ``run(ctx)``, right here in Ansible's
worker process: no Python start, no AnsiballZ, no file holding the module's
arguments. Anywhere else the module is shipped as usual. Both paths validate
the task's arguments against the module's own argument spec, give the same
results, and mark a result that carries the unlock code as no_log.

``fieldops_snowball_in_process: false`` (a variable) ships the module even
to the controller.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
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

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.amazon.aws.plugins.module_utils.botocore import _get_user_agent_string
from ansible_collections.amazon.aws.plugins.module_utils.botocore import _merge_botocore_config
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.amazon.aws.plugins.plugin_utils.base import AWSPluginBase
from ansible_collections.amazon.aws.plugins.plugin_utils.botocore import get_aws_connection_info
from ansible_collections.fieldops.snowball.plugins.module_utils._context import finish
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._job import aws_error

IN_PROCESS_VARIABLE = "fieldops_snowball_in_process"
# Result keys that carry a secret: such a result is censored in every output, whatever the task says.
SECRET_KEYS = ("unlock_code",)
# What ansible-core puts in place of a no_log value.
MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
# A value of the unlock code's documented form (_ids.UNLOCK_CODE_PATTERN) inside any text, not part of a longer run.
_CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z0-9]{5}(?:-[A-Za-z0-9]{5}){4}(?![A-Za-z0-9-])")
display = Display()


# botocore's data files (the service model, endpoints, partitions, retry and defaults configuration),
# parsed once per ansible-playbook run instead of once per task. Every task runs in a worker forked from
# ansible-playbook, and a new boto3 session parses them again with a loader of its own: about 0.08 s of
# CPU per AWS task on the bench machine, two tasks per device in the role. The linear strategy imports
# the action plugins in ansible-playbook itself (action_loader.get(class_only=True)) before it forks a
# worker, so a loader warmed at import time here is inherited by every worker. {data_path: loader}
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


class ActionContext:
    """The task context (see module_utils/_context.py) in the controller's worker process."""

    def __init__(self, params, check_mode, diff):
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.secrets = set()
        self._aws = _AWSOptions(params)

    @property
    def region(self):
        return self._aws.region

    def aws_client(self, service, retry_decorator=None):
        return self._aws.client(service, retry_decorator=retry_decorator)

    def run_command(self, argv, environ_update=None):
        try:
            process = subprocess.run(argv, env=dict(os.environ, **(environ_update or {})), stdin=subprocess.DEVNULL,
                                     capture_output=True, check=False)
        except OSError as error:
            raise SnowballError("Could not run %s: %s" % (argv[0], error.strerror or error)) from None
        return (process.returncode, to_text(process.stdout, errors="surrogate_or_replace"),
                to_text(process.stderr, errors="surrogate_or_replace"))

    @staticmethod
    def find_executable(name):
        return shutil.which(name)

    @staticmethod
    def warn(msg):
        display.warning(msg)

    def add_secret(self, value):
        self.secrets.add(value)


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
def _cleanups_run_on_interrupt():
    """On Ctrl-C or SIGTERM, ansible-playbook signals each worker, whose handler signals the worker's process
    group and exits at once: no ``finally`` runs, and a transient profile (in-process) would stay on disk
    with the code. For the time the task runs, a signal raises instead, so every cleanup runs (a running
    client is killed by subprocess); then ansible-core's own handler takes over as before."""
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


def _masked_text(text, secrets):
    for secret in secrets:
        text = text.replace(secret, MASK)
    return _CODE_IN_TEXT.sub(MASK, text)


def _masked_copy(value, secrets):
    if isinstance(value, str):
        return _masked_text(value, secrets)
    if isinstance(value, dict):
        return {_masked_copy(key, secrets): _masked_copy(entry, secrets) for key, entry in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked_copy(entry, secrets) for entry in value]
    return value


def _mask_in_place(value, secrets):
    """Mask the secrets in a (mutable) value in place; False when a secret is left that cannot be masked
    that way (a string or a tuple holding one)."""
    if isinstance(value, str):
        return _masked_text(value, secrets) == value
    if isinstance(value, tuple):
        return _masked_copy(value, secrets) == list(value)
    if isinstance(value, dict):
        for key in list(value):
            entry = value.pop(key)
            value[_masked_copy(key, secrets)] = _masked_copy(entry, secrets) if isinstance(entry, (str, tuple)) else entry
            _mask_in_place(entry, secrets)
        return True
    if isinstance(value, list):
        for index, entry in enumerate(value):
            if isinstance(entry, (str, tuple)):
                value[index] = _masked_copy(entry, secrets)
            else:
                _mask_in_place(entry, secrets)
        return True
    return True


def _name(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


class SnowballAction(ActionBase):
    """Subclasses name their module: ``MODULE``, the imported module file (ARGUMENT_SPEC,
    ARGUMENT_RULES, run) and ``AWS``, whether it takes amazon.aws's connection options."""

    MODULE = None
    AWS = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            with _cleanups_run_on_interrupt():
                result.update(self.execute(task_vars))
        # An AnsibleActionFail (bad arguments, a secret that cannot be pipelined) is left to ansible-core, which
        # turns it into the failed result: from 2.21 on, its ``result`` no longer holds ``failed`` and ``msg``.
        finally:  # also when an error escapes: ansible-core then prints the item in the failure's label
            if self._task.loop is not None or self._task.loop_with:
                self._mask_loop_item(task_vars or {}, result)
        return result

    def _mask_loop_item(self, task_vars, result):
        """Mask the unlock code in the loop item, so that a loop over registered results stays quiet.

        After this plugin returns, ansible-core's task executor attaches the loop item to the result (``item``,
        shown from -v on and by every callback) and builds the ``(item=...)`` label from it, or from
        ``loop_control.label`` templated with it. The item is usually the registered result of
        snowball_unlock_code, code included. The item is the worker's own object (the worker runs this one
        task and exits), so it is masked in place, after use, as a module masks its no_log values: the label,
        ``item`` and a failure's message stay readable. An item that cannot be changed (the bare code as a
        string) censors the whole result instead. ``loop_control.extended`` also shows the other items: they
        are replaced by masked copies."""
        secrets = {value for key, option in self.argument_spec().items()
                   if option.get("no_log") and isinstance(value := self._task.args.get(key), str) and value}
        secrets |= {result[key] for key in SECRET_KEYS if isinstance(result.get(key), str)}
        if not _mask_in_place(task_vars.get(task_vars.get("ansible_loop_var") or "item"), secrets):
            result["_ansible_no_log"] = True
        extended = task_vars.get("ansible_loop")
        if isinstance(extended, dict):
            for key in ("allitems", "previtem", "nextitem"):
                if key in extended:
                    extended[key] = _masked_copy(extended[key], secrets)

    @property
    def module_name(self):
        return "fieldops.snowball." + self.MODULE.__name__.rpartition(".")[2]

    def argument_spec(self):
        if not self.AWS:
            return self.MODULE.ARGUMENT_SPEC
        spec = aws_argument_spec()
        spec.update(self.MODULE.ARGUMENT_SPEC)
        return spec

    def execute(self, task_vars, overrides=None):
        """Run the module on the path that fits the task; ``overrides`` replace task arguments
        (None removes one). Returns the result, censored when it carries a secret."""
        spec = self.argument_spec()
        if self.in_process(task_vars):
            result = self._run_in_process(spec, overrides or {})
        else:
            self.validate_argument_spec(spec, **self.MODULE.ARGUMENT_RULES)
            args = dict(self._task.args)
            for key, value in (overrides or {}).items():
                if value is None:
                    args.pop(key, None)
                else:
                    args[key] = value
            secret_names = {name for key, option in spec.items() if option.get("no_log")
                            for name in [key] + list(option.get("aliases", []))}
            self._ships_secret = bool(secret_names & set(args))
            result = self._execute_module(module_name=self.module_name, module_args=args, task_vars=task_vars)
        if any(key in result for key in SECRET_KEYS):
            result["_ansible_no_log"] = True
        return result

    def in_process(self, task_vars):
        wanted = self._templar.template(task_vars.get(IN_PROCESS_VARIABLE, True))
        return (boolean(wanted, strict=True)
                and self._connection.transport == "local"
                and not self._play_context.become
                and not self._task.async_val
                and (HAS_BOTOCORE or not self.AWS))

    def _run_in_process(self, spec, overrides):
        # What the task's environment keyword gives a shipped module, this worker process gets (it runs
        # this one task and exits), so option fallbacks and the client see the same environment.
        environment = {}
        self._compute_environment_string(environment)
        os.environ.update({key: str(value) for key, value in environment.items()})
        params = self.validate_argument_spec(spec, **self.MODULE.ARGUMENT_RULES)[1]
        params = {key: params.get(key) for key in spec}
        params.update(overrides)
        ctx = ActionContext(params, self._play_context.check_mode, self._play_context.diff)
        result = finish(self.MODULE.run, ctx)
        # What AnsibleModule masks: the values of no_log options (flat specs here), and the secrets the logic named.
        no_log_values = {str(params[key]) for key, option in spec.items() if option.get("no_log") and params[key]}
        no_log_values |= ctx.secrets
        result["invocation"] = dict(module_args=remove_values(params, no_log_values))
        return add_path_info(remove_values(result, no_log_values))

    _ships_secret = False

    def _is_pipelining_enabled(self, module_style, wrap_async=False):
        """Arguments that carry a secret go to the module on its standard input, never into a file,
        whatever ANSIBLE_KEEP_REMOTE_FILES or the pipelining setting say."""
        if self._ships_secret:
            become = self._connection.become
            if become is not None and not getattr(become, "pipelining", True):
                blocker = "become method %s" % become.name
            elif not self._connection.has_pipelining:
                blocker = "connection %s" % self._connection.transport
            else:
                return True
            raise AnsibleActionFail("This task passes a secret to %s, and its %s cannot pipeline it, so the secret "
                                    "would be written to a file on the target. Use a become method that pipelines "
                                    "(sudo), or no become for this task." % (self.module_name, blocker))
        return super()._is_pipelining_enabled(module_style, wrap_async)
