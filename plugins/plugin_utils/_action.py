# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin shared by every module of the collection: validate, choose the path, translate a
SnowballError once, censor.

A task that targets the controller itself (a local connection, no become,
not async) runs the module's logic, ``run(ctx)``, right here in Ansible's
worker process (see _in_process.py): no Python start, no AnsiballZ, no file
holding the module's arguments. Anywhere else the module is shipped as usual.
Both paths validate the task's arguments against the module's own argument
spec, give the same results, and mark a result that carries the unlock code
as no_log.

``fieldops_snowball_in_process: false`` (a variable) ships the module even
to the controller.
"""

from __future__ import annotations

import os
import traceback

from ansible.errors import AnsibleActionFail
from ansible.errors import AnsibleActionSkip
from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_options import with_aws_options
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.plugin_utils._in_process import HAS_BOTOCORE
from ansible_collections.fieldops.snowball.plugins.plugin_utils._in_process import cleanups_run_on_interrupt
from ansible_collections.fieldops.snowball.plugins.plugin_utils._in_process import forward_hangup_to_workers
from ansible_collections.fieldops.snowball.plugins.plugin_utils._in_process import run_in_process
from ansible_collections.fieldops.snowball.plugins.plugin_utils._masking import carries_secret
from ansible_collections.fieldops.snowball.plugins.plugin_utils._masking import mask_loop_item
from ansible_collections.fieldops.snowball.plugins.plugin_utils._masking import mask_raw_output
from ansible_collections.fieldops.snowball.plugins.plugin_utils._masking import masked_text
from ansible_collections.fieldops.snowball.plugins.plugin_utils._refusals import refuse_unsupported

IN_PROCESS_VARIABLE = "fieldops_snowball_in_process"

# In ansible-playbook, at the strategy's first import of an action plugin of the collection (see the function).
forward_hangup_to_workers()


class SnowballAction(ActionBase):
    """Subclasses name their module: ``MODULE``, the imported module file (ARGUMENT_SPEC,
    ARGUMENT_RULES, run) and ``AWS``, whether it takes amazon.aws's connection options.
    A subclass's ``execute`` raises SnowballError for a failure the user can act on: ``run`` turns it
    into the failed result."""

    MODULE = None
    AWS = False

    def run(self, tmp=None, task_vars=None):
        """Every way out, ansible-core's own refusals and any exception included, masks the loop item first
        (the ``finally``): ansible-core builds the ``(item=...)`` label and the result's ``item`` from it."""
        result = {}
        try:
            refuse_unsupported(self._task)
            result = super().run(tmp, task_vars)
            with cleanups_run_on_interrupt():
                result.update(self.execute(task_vars))
        except SnowballError as error:
            result.update(error.facts, failed=True, msg=error.msg)
        except AnsibleConnectionFailure:
            raise  # ansible-core reports the host unreachable; its message names no argument
        except (AnsibleActionFail, AnsibleActionSkip) as error:
            # Bad arguments, a secret that cannot be pipelined, ansible-core's own refusals: left to
            # ansible-core, which turns them into the failed (skipped) result, with their text masked.
            raise type(error)(masked_text(str(error.message), self._no_log_arguments())) from None
        except Exception as error:  # pylint: disable=broad-exception-caught
            # A bug: ansible-core would print its text and traceback as they are.
            secrets = self._no_log_arguments()
            result.update(failed=True, msg=masked_text("%s: %s" % (type(error).__name__, error), secrets),
                          exception=masked_text(traceback.format_exc(), secrets))
        finally:
            if self._task.loop is not None or self._task.loop_with:
                mask_loop_item(task_vars or {}, result, self._no_log_arguments())
        return result

    def _no_log_arguments(self):
        return {value for key, option in self.argument_spec().items()
                if option.get("no_log") and isinstance(value := self._task.args.get(key), str) and value}

    @property
    def module_name(self):
        return "fieldops.snowball." + self.MODULE.__name__.rpartition(".")[2]

    def argument_spec(self):
        if not self.AWS:
            return self.MODULE.ARGUMENT_SPEC
        spec = aws_argument_spec()
        spec.update(with_aws_options(self.MODULE.ARGUMENT_SPEC))
        return spec

    def validated(self):
        """The task's arguments, validated against the module's spec (AnsibleActionFail when they are bad)."""
        return self.validate_argument_spec(self.argument_spec(), **self.MODULE.ARGUMENT_RULES)[1]

    def execute(self, task_vars, overrides=None):
        """Run the module on the path that fits the task; ``overrides`` replace task arguments
        (None removes one). Returns the result, censored when it carries a secret."""
        spec = self.argument_spec()
        overrides = dict(overrides or {}, **self._client_deadline(spec))
        if self.in_process(task_vars):
            # What the task's environment keyword gives a shipped module, this worker process gets (it runs
            # this one task and exits), so option fallbacks and the client see the same environment.
            environment = {}
            self._compute_environment_string(environment)
            os.environ.update({key: str(value) for key, value in environment.items()})
            params = self.validated()
            params = {key: params.get(key) for key in spec}
            params.update(overrides or {})
            result = run_in_process(self.MODULE, params, spec, self._play_context.check_mode, self._play_context.diff,
                                    task_vars.get("inventory_hostname"))
        else:
            self.validated()
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
            # A module that did not run as one (an interpreter that echoes its input, a crash before
            # AnsibleModule masked anything) leaves raw output: module_stdout holds the piped arguments.
            result = mask_raw_output(result, {str(args[key]) for key in secret_names & set(args) if args[key]})
        if carries_secret(result):
            result["_ansible_no_log"] = True
        return result

    def _client_deadline(self, spec):
        """No client run outlives the task's ``timeout`` keyword: it ends a fifth under it (2 to 30 s), so that the
        client's own failure is reported rather than the task's timeout (a shipped module never learns of that
        one, and its start, a second or two on a busy laptop, counts against the task's timeout too)."""
        timeout = getattr(self._task, "timeout", None)
        if "client_timeout" not in spec or not timeout:
            return {}
        limit = max(1, int(timeout) - min(max(2, int(timeout) // 5), 30))
        given = self.validated().get("client_timeout") or limit
        return {"client_timeout": limit} if given > limit else {}

    def in_process(self, task_vars):
        wanted = self._templar.template(task_vars.get(IN_PROCESS_VARIABLE, True))
        return (boolean(wanted, strict=True)
                and self._connection.transport == "local"
                and not self._play_context.become
                and not self._task.async_val
                and (HAS_BOTOCORE or not self.AWS))

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
