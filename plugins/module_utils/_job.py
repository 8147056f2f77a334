# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS side: one helper that the job, manifest and unlock-code modules
share, so that a job id is checked, a job is judged and an AWS error is
explained in exactly one place."""

from __future__ import annotations

import datetime
import os
import re
import ssl

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore itself

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.module_utils.urls import open_url
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fieldops.snowball.plugins.module_utils._files import PrivateFileError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import check_private_destination
from ansible_collections.fieldops.snowball.plugins.module_utils._files import read_bytes
from ansible_collections.fieldops.snowball.plugins.module_utils._files import replace_private_file
from ansible_collections.fieldops.snowball.plugins.module_utils._files import sha1_of
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import job_id_problem

CREDENTIALS_LIFETIME_DAYS = 360
MANIFEST_DOWNLOAD_TIMEOUT = 60
RELEASED_STATE = "WithCustomer"

# The JobState enum of botocore's snowball model (a unit test keeps these equal).
JOB_STATES = ("New", "PreparingAppliance", "PreparingShipment", "InTransitToCustomer", "WithCustomer",
              "InTransitToAWS", "WithAWSSortingFacility", "WithAWS", "InProgress", "Complete",
              "Cancelled", "Listing", "Pending")

_NOT_YET = "Run again once AWS shows the job as WithCustomer (delivered)."
_TOO_LATE = ("AWS releases a job's manifest and unlock code only while the device is with you; "
             "for a device that must be used again, contact AWS Support.")
STATE_ADVICE = {
    "New": "the job has not been processed yet. " + _NOT_YET,
    "PreparingAppliance": "the device is still being prepared. " + _NOT_YET,
    "PreparingShipment": "the device has not shipped yet. " + _NOT_YET,
    "InTransitToCustomer": "the device has not been delivered yet. " + _NOT_YET,
    "InTransitToAWS": "the device is on its way back to AWS. " + _TOO_LATE,
    "WithAWSSortingFacility": "the device is back at AWS. " + _TOO_LATE,
    "WithAWS": "the device is back at AWS. " + _TOO_LATE,
    "InProgress": "AWS is importing the device's data. " + _TOO_LATE,
    "Complete": "the job is complete. " + _TOO_LATE,
    "Cancelled": "the job was cancelled. Check the job id, or order a new job.",
    "Listing": "AWS is listing the job's data. " + _TOO_LATE,
    "Pending": "the job is pending. " + _NOT_YET,
}

# Snowball says ThrottlingException where AWSRetry's built-in list says Throttling.
_RETRY = AWSRetry.jittered_backoff(
    retries=4, delay=1, max_delay=8,
    catch_extra_error_codes=["ThrottlingException", "InternalServerError", "ServiceUnavailableException"],
)
_DENIED = ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException",
           "ExpiredTokenException", "MissingAuthenticationTokenException", "InvalidClientTokenId")
_THROTTLED = ("ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded")
_UNTRUSTED = ("Behind a TLS-inspecting proxy, set aws_ca_bundle (or AWS_CA_BUNDLE) to the proxy's CA bundle; "
              "the manifest download uses it too.")
_OPERATION_PERMISSIONS = {
    "DescribeJob": "snowball:DescribeJob",
    "ListJobs": "snowball:ListJobs",
    "ListClusterJobs": "snowball:ListClusterJobs",
    "GetJobManifest": "snowball:GetJobManifest",
    "GetJobUnlockCode": "snowball:GetJobUnlockCode",
}


def job_problem(metadata, now=None):
    """Why AWS will not release this job's manifest and code, or None."""
    job_id = metadata["JobId"]
    state = metadata["JobState"]
    if state != RELEASED_STATE:
        advice = STATE_ADVICE.get(state, "its manifest and unlock code are released only while it is WithCustomer.")
        return "Job %s is not usable: %s (state %s)" % (job_id, advice, state)
    created = metadata.get("CreationDate")
    if created is not None:
        now = now or datetime.datetime.now(datetime.timezone.utc)
        age = now - created
        if age >= datetime.timedelta(days=CREDENTIALS_LIFETIME_DAYS):
            return ("Job %s: the device credentials expired %d days after creation (created %s, %d days ago): "
                    "contact AWS Support." % (job_id, CREDENTIALS_LIFETIME_DAYS, created.date().isoformat(), age.days))
    return None


def aws_module(argument_spec, **kwargs):
    """An AnsibleAWSModule with the job_id check every Snowball module needs."""
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs)
    job_id = module.params.get("job_id")
    if job_id is not None:
        problem = job_id_problem(job_id)
        if problem:
            module.fail_json(msg=problem)
    return module


class SnowballJobs:
    """The Snowball job-management calls, with retries and readable failures."""

    def __init__(self, module):
        self.module = module
        self.client = module.client("snowball", retry_decorator=_RETRY)

    def describe(self, job_id):
        return self._call("DescribeJob", job_id, JobId=job_id)["JobMetadata"]

    def verified(self, job_id):
        """The job's metadata, after failing the task when AWS will not release its credentials."""
        metadata = self.describe(job_id)
        problem = job_problem(metadata)
        if problem:
            self.module.fail_json(msg=problem, job_id=job_id, job_state=metadata["JobState"])
        return metadata

    def manifest_uri(self, job_id):
        return self._call("GetJobManifest", job_id, JobId=job_id)["ManifestURI"]

    def unlock_code(self, job_id):
        return self._call("GetJobUnlockCode", job_id, JobId=job_id)["UnlockCode"]

    def sync_manifest(self, job_id, dest, force=False, mode="0600"):
        """Download the job's manifest to ``dest``, as get_url would: not when ``dest`` exists (unless
        ``force``), atomically into a private directory, ``changed`` only when the content changes.
        Returns dest, changed, and the file's checksum and size (not in check mode before a first download)."""
        current = read_bytes(dest)
        if current is not None and not force:
            changed = set_mode(self.module, dest, mode, False)
        elif self.module.check_mode:
            return dict(changed=True, dest=dest)
        else:
            current = self._download_manifest(job_id)
            changed = store_private_file(self.module, dest, current, "the manifest", mode, create_parent=True)
        return dict(changed=changed, dest=dest, checksum=sha1_of(current), size=len(current))

    def _download_manifest(self, job_id):
        """The manifest's bytes; any failure fails the task without naming the URL."""
        uri = self.manifest_uri(job_id)
        # The URL and its signature are bearer credentials: mask them in anything the module returns.
        self.module.no_log_values.add(uri)
        self.module.no_log_values.update(
            part.split("=", 1)[1] for part in uri.partition("?")[2].split("&")
            if "=" in part and part.split("=", 1)[0].lower() in ("x-amz-signature", "signature"))
        # The presigned URL is AWS (S3) too: trust what the API calls trust.
        try:
            response = open_url(uri, method="GET", timeout=MANIFEST_DOWNLOAD_TIMEOUT, http_agent="fieldops.snowball",
                                validate_certs=self.module.params["validate_certs"],
                                ca_path=self.module.params["aws_ca_bundle"])
            expected = response.headers.get("Content-Length")
            data = response.read()
        except Exception as error:  # pylint: disable=broad-exception-caught
            if isinstance(getattr(error, "reason", error), ssl.SSLCertVerificationError):
                self.module.fail_json(msg="Downloading the manifest of job %s failed: its TLS certificate could not be "
                                          "verified; nothing was written. %s" % (job_id, _UNTRUSTED))
            code = getattr(error, "code", None)
            reason = "HTTP %s" % code if code else type(error).__name__
            self.module.fail_json(msg="Downloading the manifest of job %s failed (%s); nothing was written. The "
                                      "presigned URL is valid for 60 minutes: run the task again to get a fresh one."
                                      % (job_id, reason))
        if expected is not None and len(data) != int(expected):
            self.module.fail_json(msg="The manifest of job %s arrived truncated (%d of %s bytes); nothing was "
                                      "written. Run the task again." % (job_id, len(data), expected))
        return data

    def list_jobs(self):
        return self._paginate("ListJobs", None)

    def cluster_jobs(self, cluster_id):
        return self._paginate("ListClusterJobs", cluster_id, ClusterId=cluster_id)

    def _paginate(self, operation, resource, **params):
        entries = []
        while True:
            page = self._call(operation, resource, **params)
            entries.extend(page.get("JobListEntries", []))
            if not page.get("NextToken"):
                return entries
            params["NextToken"] = page["NextToken"]

    def _call(self, operation, resource, **params):
        method = getattr(self.client, camel_to_snake(operation))
        try:
            return method(aws_retry=True, **params)
        except is_boto3_error_code("InvalidResourceException"):
            self.module.fail_json(msg="%s was not found in region %s: check the id, and that region (or the "
                                      "AWS profile) is the one the job was ordered in." % (resource, self.module.region),
                                  error_code="InvalidResourceException")
        except is_boto3_error_code("InvalidJobStateException") as error:  # pylint: disable=duplicate-except
            self.module.fail_json(msg="AWS refused %s for %s: %s" % (operation, resource, _aws_message(error)),
                                  error_code="InvalidJobStateException")
        except is_boto3_error_code(_DENIED) as error:  # pylint: disable=duplicate-except
            self.module.fail_json(msg="AWS denied %s for %s (%s): check the credentials and that they allow %s."
                                      % (operation, resource, _error_code(error), _OPERATION_PERMISSIONS[operation]),
                                  error_code=_error_code(error))
        except is_boto3_error_code(_THROTTLED) as error:  # pylint: disable=duplicate-except
            self.module.fail_json(msg="AWS kept throttling %s (%s) after several retries: wait a minute and run again."
                                      % (operation, _error_code(error)), error_code=_error_code(error))
        except botocore.exceptions.ClientError as error:  # pylint: disable=duplicate-except
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
                self.module.fail_json(msg="The Snowball API kept failing on %s (%s, HTTP %s) after several retries: "
                                          "try again later." % (operation, _error_code(error),
                                                                error.response["ResponseMetadata"]["HTTPStatusCode"]),
                                      error_code=_error_code(error))
            self.module.fail_json_aws(error, msg="%s failed for %s" % (operation, resource))
        except botocore.exceptions.NoCredentialsError:
            self.module.fail_json(msg="No AWS credentials were found: set the profile or access_key/secret_key "
                                      "options, or AWS_PROFILE / AWS_ACCESS_KEY_ID in the environment.")
        except botocore.exceptions.SSLError as error:
            self.module.fail_json(msg="Could not verify the TLS certificate of the Snowball API for %s (%s). %s"
                                      % (operation, error, _UNTRUSTED))
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
                botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectionClosedError) as error:
            self.module.fail_json(msg="Could not reach the Snowball API for %s (%s): check the network, any proxy, "
                                      "and region/endpoint_url." % (operation, type(error).__name__))
        except botocore.exceptions.BotoCoreError as error:
            self.module.fail_json_aws(error, msg="%s failed for %s" % (operation, resource))


def check_destination(module, path, missing_parent_ok):
    """Fail the task, before any API call, when ``path`` is no place for a secret."""
    try:
        check_private_destination(path, missing_parent_ok=missing_parent_ok)
    except PrivateFileError as error:
        module.fail_json(msg=str(error))


def set_mode(module, path, mode, changed):
    """Give ``path`` the ``mode`` option's permissions (check mode and --diff aware)."""
    file_args = module.load_file_common_arguments(dict(path=path, mode=mode))
    return module.set_mode_if_different(path, file_args["mode"], changed)


def store_private_file(module, path, data, what, mode="0600", create_parent=False):
    """Write ``data`` to ``path`` atomically unless the file holds it already; True when it changed.

    Nothing is written in check mode. ``what`` names the content in an error message.
    """
    changed = read_bytes(path) != data
    if changed and not module.check_mode:
        try:
            replace_private_file(path, data, mode=0o600, create_parent=create_parent)
        except (PrivateFileError, OSError) as error:
            module.fail_json(msg="Could not write %s to %s: %s" % (what, path, error))
    if os.path.exists(path):  # absent only in check mode
        changed = set_mode(module, path, mode, changed)
    return changed


def camel_to_snake(name):
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _error_code(error):
    return error.response.get("Error", {}).get("Code", "Unknown")


def _aws_message(error):
    return error.response.get("Error", {}).get("Message", "")


def snake_job(metadata):
    """A job as amazon.aws modules return AWS data: snake_case keys, dates as ISO 8601."""
    job = camel_dict_to_snake_dict(metadata)
    if isinstance(job.get("creation_date"), datetime.datetime):
        job["creation_date"] = job["creation_date"].isoformat()
    return job
