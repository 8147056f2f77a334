# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The download of a job's encrypted manifest from the presigned URL GetJobManifest gives, into a private file.

The URL is a bearer credential for 60 minutes: it is masked in the result and never named in a failure.
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.parse

from ansible.module_utils.urls import open_url
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_errors import UNTRUSTED
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import read_bytes
from ansible_collections.fieldops.snowball.plugins.module_utils._files import sha1_of
from ansible_collections.fieldops.snowball.plugins.module_utils._files import store_private_file

# Seconds one read of the download may wait, and the whole download may take: a server that trickles
# bytes must not hold the task for ever. (Module constants, so tests can shorten them.)
MANIFEST_DOWNLOAD_TIMEOUT = 60
MANIFEST_DOWNLOAD_DEADLINE = 300
MANIFEST_MAX_REDIRECTS = 5
# The manifest is an encrypted binary file (AWS: "encrypted so that only the job's unlock code can decrypt
# it"); its format is undocumented, so only what cannot be one is refused: markup or text (a captive
# portal's or proxy's page answered with 200), or a body too small to hold anything encrypted.
MANIFEST_MIN_BYTES = 128
_NOT_MANIFEST_TYPES = ("text/", "html", "xml", "json")


class ManifestDownload:
    """Keeps a job's manifest file in step with AWS for one task. ``jobs``: the task's _jobs.SnowballJobs."""

    def __init__(self, ctx, jobs):
        self.ctx = ctx
        self.jobs = jobs

    def sync(self, job_id, dest, force=False, mode="0600"):
        """Download the job's manifest to ``dest``, as get_url would: not when ``dest`` exists (unless
        ``force``), atomically into a private directory, ``changed`` only when the content changes.
        Returns dest, changed, and the file's checksum and size (not in check mode before a first download)."""
        check_mode = self.ctx.check_mode
        current = read_bytes(dest)
        if current is not None and manifest_problem(current) and not force:
            # An earlier version saved a captive portal's page here: every run would reuse it.
            self.ctx.warn("%s is not a manifest (%s): downloading it again." % (dest, manifest_problem(current)))
            force = True
        if current is None or force:
            if check_mode and current is None:
                return dict(changed=True, dest=dest)
            current = self._download(job_id)
        changed = store_private_file(dest, current, "the manifest", check_mode=check_mode, create_parent=True,
                                     mode=mode)
        return dict(changed=changed, dest=dest, checksum=sha1_of(current), size=len(current))

    def _download(self, job_id):
        """The manifest's bytes; any failure raises without naming the URL."""
        uri = self.jobs.manifest_uri(job_id)
        # The URL and its signature are bearer credentials: mask them in anything the task returns.
        self.ctx.add_secret(uri)
        for part in uri.partition("?")[2].split("&"):
            key, _sep, value = part.partition("=")
            if value and key.lower() in ("x-amz-signature", "signature"):
                self.ctx.add_secret(value)
        deadline = time.monotonic() + MANIFEST_DOWNLOAD_DEADLINE
        try:
            response = self._open(uri, job_id, deadline)
            expected = response.headers.get("Content-Length")
            content_type = response.headers.get("Content-Type") or ""
            data = _read_until(response, deadline)
        except SnowballError:
            raise
        except Exception as error:  # pylint: disable=broad-exception-caught
            if isinstance(getattr(error, "reason", error), ssl.SSLCertVerificationError):
                raise SnowballError("Downloading the manifest of job %s failed: its TLS certificate could not be "
                                    "verified; nothing was written. %s" % (job_id, UNTRUSTED), job_id=job_id) from None
            if isinstance(error, _DeadlinePassed) or time.monotonic() >= deadline:  # a read timed out at it
                raise SnowballError("Downloading the manifest of job %s took longer than %d seconds, so it was stopped; "
                                    "nothing was written. Check the network (a slow link or a proxy), then run the task "
                                    "again." % (job_id, MANIFEST_DOWNLOAD_DEADLINE), job_id=job_id) from None
            code = getattr(error, "code", None)
            reason = "HTTP %s" % code if code else type(error).__name__
            raise SnowballError("Downloading the manifest of job %s failed (%s); nothing was written. The presigned "
                                "URL is valid for 60 minutes: run the task again to get a fresh one."
                                % (job_id, reason), job_id=job_id) from None
        # A Content-Length that is not a number says nothing: the checks of the content below still apply.
        if expected is not None and expected.strip().isdigit() and len(data) != int(expected):
            raise SnowballError("The manifest of job %s arrived truncated (%d of %s bytes); nothing was written. "
                                "Run the task again." % (job_id, len(data), expected), job_id=job_id)
        problem = manifest_problem(data, content_type)
        if problem:
            raise SnowballError("The download of the manifest of job %s is not a manifest (%s): a captive portal, "
                                "proxy or hotel network may have answered instead of AWS. Nothing was written. Sign "
                                "in to the network (open any web page in a browser), then run the task again."
                                % (job_id, problem), job_id=job_id)
        return data

    def _open(self, uri, job_id, deadline):
        """The response to GET ``uri``, following redirects only on the same host, https only (or the
        scheme of endpoint_url, for a test or private endpoint). The URL is never named: it is a credential.
        The presigned URL is AWS (S3) too: it is trusted as the API calls are (aws_ca_bundle, validate_certs)."""
        params = self.ctx.params
        schemes = {"https"}
        if urllib.parse.urlsplit(params.get("endpoint_url") or "").scheme == "http":
            schemes.add("http")
        origin = None
        for _hop in range(MANIFEST_MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(uri)
            if parts.scheme.lower() not in schemes:
                raise SnowballError("AWS gave a manifest location that is not an https URL (%s:); refusing to fetch "
                                    "it. Nothing was written: run the task again, and if it persists, check "
                                    "endpoint_url." % parts.scheme.lower(), job_id=job_id)
            if origin is not None and (parts.scheme.lower(), parts.netloc.lower()) != origin:
                raise SnowballError("The manifest download of job %s was redirected to another host (%s); refusing to "
                                    "follow it. Nothing was written. A proxy or captive portal may be intercepting "
                                    "the network: sign in to it or use another network, then run the task again."
                                    % (job_id, parts.hostname), job_id=job_id)
            origin = (parts.scheme.lower(), parts.netloc.lower())
            try:
                return open_url(uri, method="GET", timeout=_remaining(deadline), http_agent="fieldops.snowball",
                                validate_certs=params["validate_certs"], ca_path=params["aws_ca_bundle"],
                                follow_redirects="none")
            except urllib.error.HTTPError as error:
                location = error.headers.get("Location") if error.headers else None
                if not 300 <= error.code < 400 or not location:
                    raise
                uri = urllib.parse.urljoin(uri, location)
        raise SnowballError("The manifest download of job %s was redirected more than %d times; nothing was written. "
                            "Run the task again." % (job_id, MANIFEST_MAX_REDIRECTS), job_id=job_id)


class _DeadlinePassed(Exception):
    pass


def _remaining(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise _DeadlinePassed()
    return min(left, MANIFEST_DOWNLOAD_TIMEOUT)


def _read_until(response, deadline):
    """The whole body, or _DeadlinePassed: each read waits at most the time left (a per-read timeout alone
    lets a server that sends one byte at a time hold the task for ever)."""
    chunks = []
    while True:
        # Looked up before each read: once the body is complete the response drops its connection, and
        # Python 3.13 closes the socket then (a timeout set on it fails with EBADF).
        sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
        if sock is not None and sock.fileno() != -1:
            sock.settimeout(_remaining(deadline))
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        _remaining(deadline)


def manifest_problem(data, content_type=""):
    """Why ``data`` (served as ``content_type``) cannot be a manifest, or None."""
    kind = content_type.split(";")[0].strip().lower()
    if any(marker in kind for marker in _NOT_MANIFEST_TYPES):
        return "served as %s" % kind
    if data.lstrip()[:1] == b"<":
        return "it is an HTML or XML page"
    if len(data) < MANIFEST_MIN_BYTES:
        return "only %d bytes" % len(data)
    return None
