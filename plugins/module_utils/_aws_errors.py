# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that turns a botocore error of a Snowball API call into a SnowballError the user can act on.

A refusal by AWS keeps its ``error_code`` and ``request_id`` (ResponseMetadata.RequestId, what AWS Support asks
for) in the failure's facts and its message. Job-specific explanations (a main job, an expired job) are the
caller's: it passes ``explain``, so this file knows botocore and nothing of jobs.
"""

from __future__ import annotations

try:
    import botocore.exceptions
    import botocore.parsers
except ImportError:
    pass  # the shells report a missing botocore before anything here runs

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError

# Retrying these cannot help: the caller's credentials are missing, wrong or not allowed.
DENIED = ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException",
          "ExpiredTokenException", "MissingAuthenticationTokenException", "InvalidClientTokenId")
THROTTLED = ("ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded")
UNTRUSTED = ("Behind a TLS-inspecting proxy, set aws_ca_bundle (or AWS_CA_BUNDLE) to the proxy's CA bundle; "
             "the manifest download uses it too.")


def botocore_errors():
    """The exception types a botocore call raises for a failure this file explains."""
    return (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.parsers.ResponseParserError)


def aws_error(error, operation, resource, region, explain=None):
    """The SnowballError that explains a botocore ``error`` raised by ``operation`` on ``resource``.

    ``explain(code, aws_message)``, when given, returns the caller's own explanation of an AWS refusal, or None."""
    if isinstance(error, botocore.exceptions.ClientError):
        return _refusal(error, operation, resource, region, explain)
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return SnowballError("No AWS credentials were found: set the profile or access_key/secret_key options, or "
                             "AWS_PROFILE / AWS_ACCESS_KEY_ID in the environment.")
    if isinstance(error, botocore.exceptions.NoRegionError):
        return SnowballError("No AWS region was given: set the region option (role: snowball_unlock_aws_region) or "
                             "AWS_REGION to the region the job was ordered in.")
    if isinstance(error, botocore.exceptions.SSLError):
        return SnowballError("Could not verify the TLS certificate of the Snowball API for %s (%s). %s"
                             % (operation, error, UNTRUSTED))
    if isinstance(error, botocore.parsers.ResponseParserError):
        return SnowballError("The answer of the Snowball API to %s for %s could not be read (truncated, or not the "
                             "API's format): run again; if it persists, check endpoint_url and any proxy between this "
                             "machine and AWS." % (operation, resource))
    if isinstance(error, (botocore.exceptions.ResponseStreamingError, botocore.exceptions.IncompleteReadError)):
        return SnowballError("The answer of the Snowball API to %s for %s was cut off: run again; if it persists, "
                             "check the network and any proxy." % (operation, resource))
    if isinstance(error, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
                          botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectionClosedError)):
        return SnowballError("Could not reach the Snowball API for %s (%s): check the network, any proxy, and "
                             "region/endpoint_url." % (operation, type(error).__name__))
    return SnowballError("%s failed for %s: %s" % (operation, resource, error))


def _refusal(error, operation, resource, region, explain):
    """An answer of AWS that refuses the call (botocore's ClientError)."""
    answer = error.response
    code = answer.get("Error", {}).get("Code", "Unknown")
    message = answer.get("Error", {}).get("Message", "")
    metadata = answer.get("ResponseMetadata", {})
    request_id = metadata.get("RequestId") or metadata.get("HTTPHeaders", {}).get("x-amzn-requestid")
    text = (explain and explain(code, message)) or _refusal_text(code, message, metadata.get("HTTPStatusCode", 0),
                                                                 operation, resource, region)
    if not request_id:
        return SnowballError(text, error_code=code)
    return SnowballError("%s AWS request id: %s (quote it to AWS Support)." % (text, request_id),
                         error_code=code, request_id=request_id)


def _refusal_text(code, message, status, operation, resource, region):
    if code == "InvalidResourceException":
        return ("%s was not found in region %s: check the id, and that region (or the AWS profile) is the one the job "
                "was ordered in." % (resource, region))
    if code == "InvalidJobStateException":
        return "AWS refused %s for %s: %s" % (operation, resource, message)
    if code in DENIED:
        return ("AWS denied %s for %s (%s): check the credentials and that they allow snowball:%s."
                % (operation, resource, code, operation))
    if code in THROTTLED:
        return "AWS kept throttling %s (%s) after several retries: wait a minute and run again." % (operation, code)
    if status >= 500:
        return ("The Snowball API kept failing on %s (%s, HTTP %s) after several retries: try again later."
                % (operation, code, status))
    return "%s failed for %s: %s (%s)." % (operation, resource, message or "no message", code)
