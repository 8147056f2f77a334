# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS Snow Device Management calls a remote unlock makes, their retries, and what their failures mean.

botocore's ``snow-device-management`` model (rest-json, 2021-08-04) is the
source for every call and error here; the developer guide's policy for the
service (aws-sdm.md) for the IAM action each call needs.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_errors import DENIED
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_errors import THROTTLED
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_errors import aws_error
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_errors import botocore_errors
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError

SERVICE = "snow-device-management"
# ThrottlingException (HTTP 429) and InternalServerException (500) are the model's retryable errors;
# AWSRetry's own list knows neither name.
RETRY = AWSRetry.jittered_backoff(retries=6, delay=1, max_delay=8,
                                  catch_extra_error_codes=["ThrottlingException", "InternalServerException"])
# The most ListDevices, ListTasks and ListExecutions answer per page (model: MaxResults 1 to 100).
PAGE_SIZE = 100


class SnowDeviceManagement:
    """The Snow Device Management calls of one task, retried, with failures explained."""

    def __init__(self, ctx):
        self.region = ctx.region
        self.client = ctx.aws_client(SERVICE, retry_decorator=RETRY)

    def managed_devices(self):
        """Every managed device of the account in this region (DeviceSummary: managedDeviceId, associatedWithJob ...).
        One listing for a whole fleet instead of one filtered call per job: fewer calls from ten devices on."""
        return _having("managedDeviceId", self._paginate("ListDevices", "devices", None), "ListDevices", self.region)

    def describe_device(self, managed_device_id):
        return self._call("DescribeDevice", managed_device_id, managedDeviceId=managed_device_id)

    def create_unlock_task(self, targets, client_token, description):
        answer = self._call("CreateTask", ", ".join(targets), targets=list(targets), command={"unlock": {}},
                            clientToken=client_token, description=description)
        return _having("taskId", [answer], "CreateTask", self.region,
                       " The task may have been created: run again (a device with an unlock queued or running gets no "
                       "second one).")[0]["taskId"]

    def open_tasks(self):
        """The region's tasks still IN_PROGRESS (TaskSummary: taskId, state ...): where a device's queued or running
        execution is found, since the model has no per-device listing of executions."""
        return _having("taskId", self._paginate("ListTasks", "tasks", None, state="IN_PROGRESS"), "ListTasks",
                       self.region)

    def describe_task(self, task_id):
        return self._call("DescribeTask", task_id, taskId=task_id)

    def executions(self, task_id):
        """The task's executions (ExecutionSummary: managedDeviceId, state ...)."""
        return _having("managedDeviceId", self._paginate("ListExecutions", "executions", task_id, taskId=task_id),
                       "ListExecutions for %s" % task_id, self.region)

    def _paginate(self, operation, key, resource, **params):
        paginator = self.client.get_paginator(_snake(operation))

        def every_page():
            return paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZE}, **params).build_full_result()

        try:
            return RETRY(every_page)().get(key, [])
        except botocore_errors() as error:
            raise sdm_error(error, operation, resource, self.region) from None

    def _call(self, operation, resource, **params):
        try:
            return getattr(self.client, _snake(operation))(aws_retry=True, **params)
        except botocore_errors() as error:
            raise sdm_error(error, operation, resource, self.region) from None


def _having(member, answers, what, region, next_step=""):
    """``answers`` when each holds ``member``, which the model marks optional but without which an answer cannot be
    used (whose device, which task); a SnowballError that says so otherwise, never a bare KeyError."""
    for answer in answers:
        if not answer.get(member):
            raise SnowballError("AWS answered %s in region %s without %s (%r): an answer the remote unlock cannot use.%s "
                                "If it persists, check endpoint_url (a proxy may be answering instead of AWS)."
                                % (what, region, member, answer, next_step or " Run again."))
    return answers


def _snake(operation):
    return "".join("_" + char.lower() if char.isupper() and index else char.lower()
                   for index, char in enumerate(operation))


def sdm_error(error, operation, resource, region):
    """The SnowballError that explains a botocore error of ``operation`` on ``resource`` (ids, for the message):
    Snow Device Management's own refusals here, everything else (credentials, region, TLS, network, unreadable
    answers, the request id) as for every AWS API the collection calls."""
    what = "%s for %s" % (operation, resource) if resource else operation

    def explain(code, message):
        if code in DENIED:
            return ("AWS denied %s (%s): the credentials need the IAM action snow-device-management:%s (the developer "
                    "guide's Snow Device Management policy lists every action it needs)." % (what, code, operation))
        if code in THROTTLED:
            return ("AWS kept throttling %s (%s) after several retries: wait a minute and run again; a device with an "
                    "unlock queued or running gets no second one." % (what, code))
        if code == "ServiceQuotaExceededException":
            return ("AWS refused %s: a Snow Device Management quota is reached (%s). Wait for the tasks in progress to "
                    "end (or cancel queued ones), then run again." % (what, message))
        if code == "ResourceNotFoundException":
            return ("%s: not found in region %s (%s). Check the id, and that region is the one the device was ordered "
                    "in." % (what, region, message))
        if code == "InternalServerException":  # the model's 500
            return ("Snow Device Management kept failing on %s (%s) after several retries: try again later."
                    % (what, code))
        return None

    return aws_error(error, operation, resource, region, explain=explain)
