# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local stand-in for AWS Snow Device Management: managed devices, unlock tasks and their executions, over loopback.

It answers what botocore sends for the ``snow-device-management`` model
(rest-json, 2021-08-04): routes, query strings and bodies are read from the
model's own ``http`` and ``location`` traits, every request is validated
against the operation's input shape and its SigV4 signature verified; every
answer is checked against the output shape before it is sent. The devices,
tasks and executions live in sdm_world.SdmWorld, whose clock a unit test
advances itself; a playbook test waits real fractions of a second.

What AWS documents, and the stand-in therefore does (the botocore model is
the source unless another is named; where the documents are silent the
stricter reading, marked "stricter"):

- ListDevices lists only the devices of the region the request is signed for
  (the issue's reading of the API reference: "only devices in the region");
- DescribeDevice answers from a cache: ``lastReachedOutAt`` is the device's last
  contact, ``lastUpdatedAt`` when it last pushed its state (developer guide
  sdm-cli-describe-device.md); ``deviceState`` is the state as of that push;
- CreateTask takes 1 to 10 targets, and ``clientToken`` makes it idempotent
  ("ensuring that the action is called only once"); how long AWS remembers a
  token is undocumented: here for ever (stricter), and a token reused with other
  details is refused with ValidationException (stricter: the model has no
  conflict error);
- one command runs on a device at a time (sdm-cli-create-task.md): the device
  takes an execution at its next contact after the task is created;
- executions: QUEUED, IN_PROGRESS, then SUCCEEDED, FAILED or REJECTED; one whose
  device never reports ends TIMED_OUT after ``execution_timeout`` (undocumented
  length: a knob);
- ListTasks lists the tasks of the region the request is signed for (stricter: the
  API reference does not say; tasks are regional resources by their ARN), only
  those in the ``state`` filter's TaskState when given, paginated; a summary
  holds taskId, taskArn and state (model: TaskSummary), not the targets;
- CancelTask only while the task's executions are all QUEUED (sdm-cli-cancel-task.md);
- errors with their model status: ThrottlingException 429,
  ServiceQuotaExceededException 402, AccessDeniedException 403,
  ResourceNotFoundException 404, ValidationException 400, InternalServerException 500.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, unquote, urlsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.validate import ParamValidator

from .background_server import BackgroundServer
from .sdm_world import ENDED, SdmWorld
from .snowball_api import ACCESS_KEY, SECRET_KEY

SERVICE = "snow-device-management"
MODEL = botocore.session.get_session().get_service_model(SERVICE)
PAGE_SIZE = 5  # small on purpose: a fleet of twelve crosses two page boundaries


class SdmError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message
        shape = MODEL.shape_for(code) if code in MODEL.shape_names else None
        # signature errors are not in the model; AWS answers them with 403
        self.status = shape.metadata["error"]["httpStatusCode"] if shape else 403


def _routes():
    """(method, compiled path pattern, operation) for every operation, from the model's requestUri."""
    routes = []
    for name in MODEL.operation_names:
        http = MODEL.operation_model(name).http
        path = http["requestUri"].split("?")[0]
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
        routes.append((http["method"], re.compile(pattern + r"\Z"), name))
    return routes


ROUTES = _routes()


def check_shape(shape, value, where):
    """Fail loudly when an answer holds anything the model does not define."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), "%s: expected an object" % where
        assert not set(value) - set(shape.members), "%s: not in the model: %s" % (where, set(value) - set(shape.members))
        for name, member in value.items():
            check_shape(shape.members[name], member, where + "." + name)
    elif kind == "list":
        assert isinstance(value, list), "%s: expected a list" % where
        assert shape.metadata.get("min", 0) <= len(value) <= shape.metadata.get("max", len(value)), where
        for index, item in enumerate(value):
            check_shape(shape.member, item, "%s[%d]" % (where, index))
    elif kind == "map":
        assert isinstance(value, dict), "%s: expected a map" % where
        for key, item in value.items():
            check_shape(shape.key, key, where + " key")
            check_shape(shape.value, item, "%s[%s]" % (where, key))
    elif kind == "string":
        assert isinstance(value, str), "%s: expected a string" % where
        assert not shape.enum or value in shape.enum, "%s: %r not in %s" % (where, value, shape.enum)
        assert shape.metadata.get("min", 0) <= len(value) <= shape.metadata.get("max", len(value)), where
        assert re.fullmatch(shape.metadata.get("pattern", ".*"), value), "%s: %r breaks its pattern" % (where, value)
    elif kind == "timestamp":  # rest-json's default timestampFormat: epoch seconds
        assert isinstance(value, (int, float)) and not isinstance(value, bool), "%s: epoch seconds" % where
    elif kind in ("integer", "long", "double", "float"):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), "%s: expected a number" % where


class SdmHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SdmStandIn/1.0"
    disable_nagle_algorithm = True  # as the Snowball stand-in: no 40 ms delayed-ACK wait per call

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet."""

    @property
    def world(self):
        return self.server.world

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_DELETE(self):
        self._serve("DELETE")

    def _send(self, status, payload, headers=None):
        body = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in dict(headers or {}, **{"Content-Type": "application/json",
                                                  "x-amzn-RequestId": str(uuid.uuid4())}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self, method):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            operation, params = self._request(method, body)
            region = self._check_signature(method, body)
            self.world.record(operation, params.get("managedDeviceId") or params.get("taskId") or params.get("jobId"))
            self._inject_fault(operation)
            input_shape = MODEL.operation_model(operation).input_shape
            report = ParamValidator().validate(params, input_shape)
            if report.has_errors():
                raise SdmError("ValidationException", report.generate_report())
            try:  # botocore's validator checks minimums only: maximums, patterns and enums too, as AWS does
                check_shape(input_shape, params, operation)
            except AssertionError as error:
                raise SdmError("ValidationException", str(error)) from None
            with self.world.lock:
                result = getattr(self, "op_" + operation)(params, region, self.world.clock())
            check_shape(MODEL.operation_model(operation).output_shape, result, operation)
        except SdmError as error:
            self._send(error.status, {"message": error.message}, {"x-amzn-ErrorType": error.code})
            return
        self._send(200, result)

    def _request(self, method, body):
        """The operation and its parameters, read where the model's location traits put them."""
        parts = urlsplit(self.path)
        for route_method, pattern, operation in ROUTES:
            match = pattern.match(parts.path)
            if route_method == method and match:
                break
        else:
            raise SdmError("ValidationException", "No operation at %s %s." % (method, parts.path))
        shape = MODEL.operation_model(operation).input_shape
        params = {name: unquote(value) for name, value in match.groupdict().items()}
        by_query_name = {member.serialization.get("name"): (name, member) for name, member in shape.members.items()
                         if member.serialization.get("location") == "querystring"}
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key not in by_query_name:
                raise SdmError("ValidationException", "Unknown query parameter %s." % key)
            name, member = by_query_name[key]
            params[name] = int(value) if member.type_name == "integer" and value.isdigit() else value
        if body:
            if self.headers.get("Content-Type") != "application/json":
                raise SdmError("ValidationException", "Expected Content-Type application/json.")
            params.update(json.loads(body))
        return operation, params

    def _check_signature(self, method, body):
        """SigV4 with the stand-in's credentials, scoped to snow-device-management; returns the signed region."""
        authorization = self.headers.get("Authorization", "")
        if not authorization.startswith("AWS4-HMAC-SHA256 ") or not self.headers.get("X-Amz-Date"):
            raise SdmError("MissingAuthenticationTokenException", "Missing SigV4 Authorization.")
        fields = dict(part.strip().split("=", 1) for part in authorization[len("AWS4-HMAC-SHA256 "):].split(","))
        access_key, _date, region, service, _terminator = fields["Credential"].split("/")
        if access_key != ACCESS_KEY:
            raise SdmError("UnrecognizedClientException", "The security token included in the request is invalid.")
        if service != SERVICE:
            raise SdmError("InvalidSignatureException", "Credential should be scoped to correct service: '%s'." % SERVICE)
        request = AWSRequest(method=method, url="http://%s%s" % (self.headers["Host"], self.path), data=body,
                             headers={name: self.headers[name] for name in fields["SignedHeaders"].split(";")})
        request.context["timestamp"] = self.headers["X-Amz-Date"]
        signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), SERVICE, region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected, fields["Signature"]):
            raise SdmError("InvalidSignatureException", "The request signature we calculated does not match.")
        return region

    def _inject_fault(self, operation):
        faults = self.world.faults
        if operation in faults.denied:
            raise SdmError("AccessDeniedException", "User is not authorized to perform: %s:%s" % (SERVICE, operation))
        if faults.operations is not None and operation not in faults.operations:
            return
        with self.world.lock:
            if faults.throttle_next:
                faults.throttle_next -= 1
                raise SdmError("ThrottlingException", "Rate exceeded")
            if faults.server_error_next:
                faults.server_error_next -= 1
                raise SdmError("InternalServerException", "An internal error occurred.")
            if faults.quota_next and operation == "CreateTask":
                faults.quota_next -= 1
                raise SdmError("ServiceQuotaExceededException", "Too many tasks in progress.")

    # --- the API

    def _device(self, device_id, region):
        device = self.world.devices.get(device_id)
        if device is None or device["region"] != region:
            raise SdmError("ResourceNotFoundException", "Managed device %s not found." % device_id)
        return device

    def _task(self, task_id):
        if task_id not in self.world.tasks:
            raise SdmError("ResourceNotFoundException", "Task %s not found." % task_id)
        return self.world.tasks[task_id]

    @staticmethod
    def _page(entries, params, key):
        token = params.get("nextToken") or "0"
        if not token.isdigit() or int(token) > len(entries):
            raise SdmError("ValidationException", "Invalid nextToken.")
        start, size = int(token), min(params.get("maxResults") or PAGE_SIZE, PAGE_SIZE)
        result = {key: entries[start:start + size]}
        if start + size < len(entries):
            result["nextToken"] = str(start + size)
        return result

    def _arn(self, region, kind, resource):
        return "arn:aws:%s:%s:%s:%s/%s" % (SERVICE, region, self.world.account, kind, resource)

    def op_ListDevices(self, params, region, _now):
        devices = [device for device in self.world.devices.values() if device["region"] == region
                   and params.get("jobId") in (None, device["job_id"])]
        return self._page([{"managedDeviceId": device["id"], "associatedWithJob": device["job_id"],
                            "managedDeviceArn": self._arn(region, "managed-device", device["id"])}
                           for device in devices], params, "devices")

    def op_DescribeDevice(self, params, region, now):
        device = self._device(params["managedDeviceId"], region)
        result = {"managedDeviceId": device["id"], "associatedWithJob": device["job_id"], "deviceType": "SNC1_SSD",
                  "managedDeviceArn": self._arn(region, "managed-device", device["id"])}
        reached = self.world.last_contact(device, now)
        pushed = self.world.last_contact(device, now - device["cache_lag"])
        if reached is not None:
            result["lastReachedOutAt"] = reached
        if pushed is not None:
            result.update(lastUpdatedAt=pushed, deviceState=self.world.device_state(device["id"], pushed))
        return result

    def op_CreateTask(self, params, region, now):
        for device_id in params["targets"]:
            self._device(device_id, region)
        details = (sorted(params["targets"]), json.dumps(params["command"], sort_keys=True))
        token = params.get("clientToken")
        if token in self.world.tokens:
            task_id, earlier = self.world.tokens[token]
            if earlier != details:
                raise SdmError("ValidationException", "clientToken %s was used with other details." % token)
            return {"taskId": task_id, "taskArn": self.world.tasks[task_id]["arn"]}
        task_id = "st-" + uuid.uuid4().hex[:16]
        self.world.tasks[task_id] = {"id": task_id, "arn": self._arn(region, "task", task_id),
                                     "targets": list(params["targets"]), "command": params["command"],
                                     "created": now, "canceled": None, "description": params.get("description")}
        if token:
            self.world.tokens[token] = (task_id, details)
        return {"taskId": task_id, "taskArn": self.world.tasks[task_id]["arn"]}

    def _executions(self, task, now):
        return {device_id: self.world.execution_state(task, device_id, now) for device_id in task["targets"]}

    def op_DescribeTask(self, params, _region, now):
        task = self._task(params["taskId"])
        result = {"taskId": task["id"], "taskArn": task["arn"], "targets": task["targets"], "createdAt": task["created"]}
        if task["description"]:
            result["description"] = task["description"]
        result.update(self._task_state(task, now))
        return result

    def _task_state(self, task, now):
        """DescribeTask's state (model: TaskState) and its times."""
        executions = self._executions(task, now)
        if task["canceled"] is not None:
            return {"state": "CANCELED", "lastUpdatedAt": task["canceled"]}
        if all(state in ENDED for state, _started, _ended in executions.values()):
            completed = max(ended for _state, _started, ended in executions.values())
            return {"state": "COMPLETED", "completedAt": completed, "lastUpdatedAt": completed}
        return {"state": "IN_PROGRESS", "lastUpdatedAt": task["created"]}

    def op_ListTasks(self, params, region, now):
        entries = []
        for task in sorted(self.world.tasks.values(), key=lambda task: task["created"]):
            state = self._task_state(task, now)["state"]
            if task["arn"].split(":")[3] == region and params.get("state") in (None, state):
                entries.append({"taskId": task["id"], "taskArn": task["arn"], "state": state})
        return self._page(entries, params, "tasks")

    def op_ListExecutions(self, params, _region, now):
        task = self._task(params["taskId"])
        entries = [{"taskId": task["id"], "managedDeviceId": device_id, "executionId": str(index + 1), "state": state}
                   for index, (device_id, (state, _started, _ended)) in enumerate(self._executions(task, now).items())
                   if params.get("state") in (None, state)]
        return self._page(entries, params, "executions")

    def op_DescribeExecution(self, params, _region, now):
        task = self._task(params["taskId"])
        if params["managedDeviceId"] not in task["targets"]:
            raise SdmError("ResourceNotFoundException", "No execution of %s on %s." % (task["id"], params["managedDeviceId"]))
        state, started, ended = self.world.execution_state(task, params["managedDeviceId"], now)
        result = {"taskId": task["id"], "managedDeviceId": params["managedDeviceId"], "state": state,
                  "executionId": str(task["targets"].index(params["managedDeviceId"]) + 1),
                  "lastUpdatedAt": ended or started or task["created"]}
        if started is not None:
            result["startedAt"] = started
        return result

    def op_CancelTask(self, params, _region, now):
        task = self._task(params["taskId"])
        if task["canceled"] is None:
            if any(state != "QUEUED" for state, _started, _ended in self._executions(task, now).values()):
                raise SdmError("ValidationException", "Only a task whose executions are all QUEUED can be canceled.")
            task["canceled"] = now
        return {"taskId": task["id"]}


class SdmServer(BackgroundServer):
    thread_name = "sdm-standin"

    def __init__(self, world=None, host="127.0.0.1", port=0):
        super().__init__((host, port), SdmHandler)
        self.world = world or SdmWorld()

    @property
    def endpoint_url(self):
        host, port = self.server_address[:2]
        return "http://%s:%d" % (host, port)
