# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading an unlocked device's access key, certificate and service endpoints through the Snowball Edge client, as
AWS's developer guide does by hand (``describe-device``, ``list-access-keys``, ``get-secret-access-key``,
``list-certificates``, ``get-certificate``, ``list-services``, ``describe-service``). The secret key is never
returned in a message, logged or put on a command line."""

from __future__ import annotations

import calendar
import re
import ssl
import time

from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import device_host
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import device_ip as normalize_device_ip
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import endpoint_urls
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import same_address
from ansible_collections.fieldops.snowball.plugins.module_utils._client import CLIENT_DOWNLOAD
from ansible_collections.fieldops.snowball.plugins.module_utils._client import UNLOCKED
from ansible_collections.fieldops.snowball.plugins.module_utils._client import json_answer
from ansible_collections.fieldops.snowball.plugins.module_utils._client import no_answer
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import ACCESS_KEY_ID_PATTERN
from ansible_collections.fieldops.snowball.plugins.module_utils._ini import SECTION_PATTERN

# Printable ASCII without spaces: what an INI value keeps as is.
_SECRET = re.compile(r"[\x21-\x7e]{1,256}\Z")
PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----")
# Developer guide, S3 compatible storage on Snow (s3-edge-snow-setting-up.md, using-client-commands.md
# "describe-service"): a device that runs it lists "s3-snow" in list-services, and describe-service names one
# HTTPS endpoint for the bucket API (s3control) and one for the object API (s3api) per node, on their own
# virtual network interface IPs (port 443), each with its node's DeviceId.
S3_SNOW = "s3-snow"
HTTPS_PORT = 443
# Developer guide updating-device.md: describe-device-software prints ``CertificateExpiry: <date>`` (Java's
# Date.toString, "Thu Jan 01 00:00:00 UTC 1970"; the guide spells the day "Thur"), and a device kept longer
# than its certificate needs a new one. Warn this many days ahead: time to update before it runs out.
CERTIFICATE_WARNING_DAYS = 30
CERTIFICATE_CHECK_SECONDS = 30  # a JVM start and one answer; a device that answered UNLOCKED answers this at once
_EXPIRY = re.compile(r"CertificateExpiry\s*:\s*\w+\s+(?P<month>[A-Z][a-z]{2})\s+(?P<day>\d{1,2})\s+"
                     r"(?P<time>\d{1,2}:\d{2}:\d{2})\s+(?:\S+\s+)?(?P<year>\d{4})")


class DeviceCredentials:
    """What one device gave: its IP (the one its certificate names), access key id and secret, and the PEM of
    its certificates with their ARNs. ``secret`` is never part of a result."""

    def __init__(self, device_ip, access_key_id, secret, arns, pem, endpoints=None):
        self.device_ip, self.access_key_id, self.secret = device_ip, access_key_id, secret
        self.arns, self.pem = arns, pem
        # {service: URL} for the profile: the S3 adapter and EC2 on the device's IP unless it runs S3 on Snow
        self.endpoints = endpoints or endpoint_urls(device_ip)


def read_device_credentials(client, endpoint=None, device_ip=None, wanted_key=None, add_secret=None):
    """Ask the device (``client``, an EdgeClient inside its session; ``endpoint`` one node of a cluster) for its
    access key and certificate. ``device_ip`` default: the IP describe-device reports. ``add_secret(value)``
    learns the secret key as soon as it is known, so that the shell can mask it anywhere."""
    device = client.describe(endpoint=endpoint)[0]
    if device["state"] != UNLOCKED:
        raise SnowballError("The device is %s, not UNLOCKED: its access keys and certificate are only available once "
                            "it is unlocked. Unlock it first (fieldops.snowball.snowball_edge_unlock), then run this "
                            "again." % device["state"], device_state=device["state"])
    if device_ip:
        device_ip = normalize_device_ip(device_ip)
    elif device["ip"]:
        device_ip = normalize_device_ip(device["ip"])
    else:
        raise SnowballError("describe-device reports no IP address for the device: give device_ip (the IP on the "
                            "device's display).")

    def output(*args):
        return client.run(*args, endpoint=endpoint)[0]

    access_key_id = choose_access_key(parse_access_key_ids(output("list-access-keys")), wanted_key)
    secret = parse_secret_access_key(output("get-secret-access-key", "--access-key-id", access_key_id), access_key_id)
    if add_secret:
        add_secret(secret)
    arns = choose_certificates(parse_certificates(output("list-certificates")), device_ip)
    endpoints, s3_arns = endpoint_urls(device_ip), []
    if S3_SNOW in parse_service_ids(output("list-services")):
        s3_endpoints, s3_arns = s3_snow_endpoints(output("describe-service", "--service-id", S3_SNOW), device["id"])
        endpoints.update(s3_endpoints)
    # The certificate S3 on Snow's endpoints present goes into the bundle too (when it is another one).
    arns = arns + sorted(set(s3_arns) - set(arns))
    pem = "".join(parse_certificate_pem(output("get-certificate", "--certificate-arn", arn), arn) for arn in arns)
    return DeviceCredentials(device_ip, access_key_id, secret, arns, pem, endpoints)


def parse_service_ids(out):
    """The service ids from ``list-services`` (``{"ServiceIds": [...]}``)."""
    ids = _answer(out, "list-services", "ServiceIds")
    if not isinstance(ids, list) or not all(isinstance(name, str) for name in ids):
        raise SnowballError(no_answer("list-services", "ServiceIds list"))
    return ids


def s3_snow_endpoints(out, device_id):
    """``({"s3": object API URL, "s3control": bucket API URL}, [certificate ARNs])`` of this device (its
    DeviceId; every endpoint when the answer names no device) from ``describe-service --service-id s3-snow``."""
    listed = _answer(out, "describe-service", "Endpoints")
    listed = [entry for entry in listed if isinstance(entry, dict)] if isinstance(listed, list) else []
    own = [entry for entry in listed if entry.get("DeviceId") in (None, device_id)]
    urls, arns = {}, []
    for entry in own:
        description = str(entry.get("Description") or "").lower()
        service = "s3" if "object" in description else "s3control" if "bucket" in description else None
        host = device_host(str(entry.get("Host") or ""))
        if not service or service in urls or str(entry.get("Protocol", "https")).lower() != "https" or not host:
            continue
        port = entry.get("Port") or HTTPS_PORT
        urls[service] = "https://%s%s" % (host, "" if port == HTTPS_PORT else ":%s" % port)
        arn = (entry.get("CertificateAssociation") or {}).get("CertificateArn")
        if isinstance(arn, str) and arn.startswith("arn:"):
            arns.append(arn)
    if "s3" not in urls:
        raise SnowballError("The device runs S3 compatible storage on Snow (list-services names s3-snow), but "
                            "snowballEdge describe-service --service-id s3-snow names no HTTPS object API endpoint "
                            "for it (device %s). Start the service's interfaces as the developer guide's \"Setting "
                            "up S3 compatible storage on Snow\" says, then run again." % device_id)
    return urls, arns


def parse_access_key_ids(out):
    """The ids from ``list-access-keys`` (``{"AccessKeyIds": [...]}``)."""
    ids = _answer(out, "list-access-keys", "AccessKeyIds")
    if not isinstance(ids, list) or not all(isinstance(key, str) and ACCESS_KEY_ID_PATTERN.match(key) for key in ids):
        raise SnowballError(no_answer("list-access-keys", "AccessKeyIds list of access key ids"))
    if not ids:
        raise SnowballError("The device lists no access keys (snowballEdge list-access-keys). A device has its "
                            "administrator's key once it is unlocked: check it with describe-device, then run again.")
    return ids


def choose_access_key(ids, wanted=None):
    """``wanted`` when the device has it, else the device's only key; SnowballError naming the ids otherwise."""
    listed = ", ".join(ids)
    if wanted:
        if wanted not in ids:
            raise SnowballError("The device has no access key %s; it has: %s. Set access_key_id to one of them."
                                % (wanted, listed), access_key_ids=list(ids))
        return wanted
    if len(ids) > 1:
        raise SnowballError("The device has %d access keys (%s): set access_key_id to the one this profile should use."
                            % (len(ids), listed), access_key_ids=list(ids))
    return ids[0]


def parse_secret_access_key(out, access_key_id):
    """The secret from ``get-secret-access-key``: the ``[snowballEdge]`` block's aws_secret_access_key.

    Lines before and after the block are ignored. The messages never hold the
    output, since it holds the secret."""
    values, in_block = {}, False
    for line in (out or "").splitlines():
        stripped = line.strip()
        header = SECTION_PATTERN.match(stripped)
        if header:
            in_block = header.group("header").strip() == "snowballEdge"
            continue
        if in_block and "=" in stripped:
            key, value = stripped.split("=", 1)
            values.setdefault(key.strip().lower(), value.strip())
    secret = values.get("aws_secret_access_key")
    if not secret or not _SECRET.match(secret):
        raise SnowballError("snowballEdge get-secret-access-key did not print a [snowballEdge] block with an "
                            "aws_secret_access_key (its output is not shown: it would hold the secret). Check that "
                            "client is the Snowball Edge client (download it from %s)." % CLIENT_DOWNLOAD)
    if values.get("aws_access_key_id", access_key_id) != access_key_id:
        raise SnowballError("snowballEdge get-secret-access-key --access-key-id %s answered for another access key. "
                            "Run it again; if it persists, update the Snowball Edge client." % access_key_id)
    return secret


def parse_certificates(out):
    """``[(arn, [subject alternative names])]`` from ``list-certificates``."""
    listed = _answer(out, "list-certificates", "Certificates")
    problem = not isinstance(listed, list)
    certificates = []
    for entry in listed if not problem else []:
        arn = entry.get("CertificateArn") if isinstance(entry, dict) else None
        names = entry.get("SubjectAlternativeNames") or [] if isinstance(entry, dict) else None
        if not isinstance(arn, str) or not arn.startswith("arn:") or not isinstance(names, list):
            problem = True
            break
        certificates.append((arn, [name for name in names if isinstance(name, str)]))
    if problem:
        raise SnowballError(no_answer("list-certificates", "Certificates list with a CertificateArn each"))
    return certificates


def choose_certificates(certificates, device_ip):
    """The ARNs of the certificates whose subject alternative names hold ``device_ip``, sorted.

    Every one of them goes into the CA bundle: each is the device's own, and the
    device serves one of them."""
    arns = sorted(arn for arn, names in certificates if any(same_address(name, device_ip) for name in names))
    if not arns:
        held = "; ".join("%s (%s)" % (arn, ", ".join(names) or "no names") for arn, names in certificates) or "none"
        raise SnowballError("No certificate of the device names %s; it has: %s. A device makes a new certificate "
                            "when it is unlocked with another IP address: give the IP it was unlocked with, or "
                            "unlock it again at this one." % (device_ip, held), device_ip=device_ip)
    return arns


def parse_certificate_pem(out, arn):
    """The PEM certificate(s) ``get-certificate`` printed, normalised, checked to load as a CA bundle."""
    blocks = PEM_BLOCK.findall(out or "")
    pem = "".join("\n".join(line.strip() for line in block.strip().splitlines() if line.strip()) + "\n"
                  for block in blocks)
    try:
        if not blocks:
            raise ValueError("no PEM block")
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=pem)
    except (ValueError, ssl.SSLError):
        raise SnowballError("snowballEdge get-certificate --certificate-arn %s did not print a PEM certificate. "
                            "Run it by hand to see what it says; check that client is the Snowball Edge client "
                            "(download it from %s)." % (arn, CLIENT_DOWNLOAD)) from None
    return pem


def _answer(out, command, key):
    """The value of ``key`` in the JSON object the client printed (None when that object lacks it)."""
    answer = json_answer(out, key)
    if answer is None:
        raise SnowballError("snowballEdge %s did not print a JSON object. Check that client is the Snowball Edge "
                            "client (download it from %s) and run `snowballEdge %s` by hand to see what it says."
                            % (command, CLIENT_DOWNLOAD, command))
    return answer.get(key)


def certificate_expiry(out):
    """Epoch seconds of the ``CertificateExpiry`` describe-device-software printed, None when there is none (the
    zone is taken as UTC: hours do not matter to a warning counted in days)."""
    match = _EXPIRY.search(out or "")
    if not match:
        return None
    try:
        parsed = time.strptime("%s %s %s %s" % (match.group("month"), match.group("day"), match.group("time"),
                                                match.group("year")), "%b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return calendar.timegm(parsed)


def certificate_warning(client, endpoint=None, now=None):
    """The warning for a device whose certificate expires within CERTIFICATE_WARNING_DAYS, else None. A device
    or client that does not report the expiry gets none (the command is newer than some devices)."""
    try:
        # After the device answered UNLOCKED: the run's other devices' looks go first (nobody waits for this one), and
        # a device that does not answer it holds a client start for CERTIFICATE_CHECK_SECONDS, not client_timeout
        out = client.run("describe-device-software", endpoint=endpoint, urgent=False, most=CERTIFICATE_CHECK_SECONDS)[0]
    except SnowballError as error:
        if not error.facts.get("client_timeout"):
            return None  # a device or client without the command
        return ("The certificate of the device%s was not checked: describe-device-software did not answer within %d s, "
                "or no client start was free before the task's timeout. `snowballEdge describe-device-software` shows "
                "its CertificateExpiry; a certificate that has expired makes HTTPS clients refuse the device."
                % (" at " + endpoint[len("https://"):] if endpoint else "", CERTIFICATE_CHECK_SECONDS))
    expires = certificate_expiry(out)
    now = time.time() if now is None else now
    if expires is None or expires - now >= CERTIFICATE_WARNING_DAYS * 86400:
        return None
    days = int((expires - now) // 86400)
    when = time.strftime("%Y-%m-%d", time.gmtime(expires))
    state = ("expired on %s" % when) if expires <= now else ("expires on %s, in %d days" % (when, days))
    return ("The certificate of the device%s %s: HTTPS clients (the AWS CLI, boto3, the client) refuse it once "
            "it has expired. Update the device's software as the developer guide's \"Updating your device\" "
            "says (a device kept beyond its certificate's days needs a new one), or contact AWS Support; then write "
            "its AWS profile again (fieldops.snowball.snowball_edge_credentials) so that it holds the new "
            "certificate." % (" at " + endpoint[len("https://"):] if endpoint else "", state))
