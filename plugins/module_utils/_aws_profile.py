# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS CLI / SDK profile of an unlocked Snowball Edge device: where botocore finds its files, what each file
must hold, and writing them (credentials, config, CA bundle) atomically, 0600, only when they change.

The profile is what AWS's developer guide sets up by hand, in a form boto3/botocore (1.31 and later) and the
AWS CLI resolve by themselves:

* the shared credentials file: ``[NAME]`` with the key pair;
* the config file: ``[profile NAME]`` with ``region = snow``, ``ca_bundle``, ``services = NAME-snowball`` and
  the settings for plain, path-style S3 requests (PLAIN_REQUESTS), and ``[services NAME-snowball]`` whose
  ``s3`` and ``ec2`` sub-sections hold ``endpoint_url``;
* the device's certificate, the profile's CA bundle.

A device's S3 takes path-style requests only and no chunked bodies (developer guide, "Transferring files using
the Amazon S3 adapter": path-style access, disableChunkedEncoding). botocore 1.36.0 and AWS CLI 2.23.0 / 1.37.0
and later send ``aws-chunked`` uploads with trailing checksums by default, which a device refuses with
NotImplemented, unless ``request_checksum_calculation = when_required`` (read from the profile since those
versions; older ones never send them, and ignore the key). ``s3`` / ``addressing_style = path`` is read by every
botocore and AWS CLI that reads ``services`` (botocore 1.31, AWS CLI 2.13).
"""

from __future__ import annotations

import os
import re

from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import endpoint_urls
from ansible_collections.fieldops.snowball.plugins.module_utils._device_credentials import PEM_BLOCK
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import FilePlan
from ansible_collections.fieldops.snowball.plugins.module_utils._files import check_private_destination
from ansible_collections.fieldops.snowball.plugins.module_utils._files import locked
from ansible_collections.fieldops.snowball.plugins.module_utils._files import read_bytes
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_aws_profile_name
from ansible_collections.fieldops.snowball.plugins.module_utils._ini import Section
from ansible_collections.fieldops.snowball.plugins.module_utils._ini import botocore_name
from ansible_collections.fieldops.snowball.plugins.module_utils._ini import edit_ini
from ansible_collections.fieldops.snowball.plugins.module_utils._ini import masked
from ansible_collections.fieldops.snowball.plugins.module_utils._ini import parsed

REGION = "snow"
SERVICES_SUFFIX = "-snowball"
# Names botocore reads from the environment before the profile (so they would override what we write).
OVERRIDING_ENVIRONMENT = ("AWS_CA_BUNDLE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL",
                          "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_EC2", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                          "AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION")
# A device key has no session token: a stale one beside it would be sent along and break every request.
_STALE_CREDENTIAL_KEYS = ("aws_session_token", "aws_security_token")
# What makes today's SDKs send requests a device accepts (see the module docstring), in the profile section.
PLAIN_REQUESTS = (("request_checksum_calculation", "when_required"), ("response_checksum_validation", "when_required"),
                  ("s3", {"addressing_style": "path"}))
# What a profile this collection wrote may hold: a section with any other key is someone else's (an IAM user's
# keys with a session token, a role_arn/source_profile, SSO...) and is never taken over. "output" is the one
# setting a user may add to a device's profile that changes no credentials, region or endpoint.
_OWN_CREDENTIAL_KEYS = frozenset(("aws_access_key_id", "aws_secret_access_key"))
_OWN_CONFIG_KEYS = frozenset(("region", "ca_bundle", "services", "output") + tuple(key for key, _value in PLAIN_REQUESTS))
_ENV_VARIABLE = re.compile(r"\$(\w+|\{[^}]*\})")


def services_section(name):
    """The name of the profile's ``[services ...]`` section."""
    return name + SERVICES_SUFFIX


def _expand(path, environ):
    """``path`` with $VARIABLES and ~ expanded from ``environ``, as botocore expands AWS_CONFIG_FILE."""
    def variable(match):
        key = match.group(1).strip("{}")
        return environ.get(key, match.group(0))

    path = _ENV_VARIABLE.sub(variable, path)
    if path == "~" or path.startswith("~/"):
        home = environ.get("HOME") or os.path.expanduser("~")
        path = home + path[1:]
    return os.path.abspath(os.path.expanduser(path))


def aws_file_paths(environ=None):
    """``(credentials file, config file)`` as botocore finds them: AWS_SHARED_CREDENTIALS_FILE and
    AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config."""
    environ = os.environ if environ is None else environ
    credentials = environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    config = environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    return _expand(credentials, environ), _expand(config, environ)


def default_ca_bundle_path(client_config_path, name):
    """The device's certificate beside the Snowball Edge client's config, one file per profile."""
    return os.path.join(os.path.dirname(os.path.abspath(os.path.expanduser(client_config_path))),
                        "%s-ca-bundle.pem" % name)


def _check_ini_value(what, value):
    # An INI value keeps neither surrounding whitespace nor line breaks.
    if not value or value != value.strip() or any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise SnowballError("%s %r cannot be written to an AWS config file: give a path without line breaks, "
                            "control characters or spaces at either end." % (what, value))
    return value


def overriding_environment(environ=None):
    """The variables set in ``environ`` that botocore and the AWS CLI would take over the profile's settings."""
    environ = os.environ if environ is None else environ
    return [name for name in OVERRIDING_ENVIRONMENT if environ.get(name)]


class ProfileFiles:
    """Where the AWS profile ``name`` goes: the credentials and config files botocore reads in ``environ``, and
    the CA bundle (``ca_bundle_dest``, default beside the Snowball Edge client's ``client_config_path``). Every
    path is checked here, before the device is asked anything."""

    def __init__(self, name, ca_bundle_dest=None, client_config_path=None, environ=None):
        environ = os.environ if environ is None else environ
        self.name, self.environ = check_aws_profile_name(name), environ
        self.credentials_path, self.config_path = aws_file_paths(environ)
        if ca_bundle_dest:
            ca_bundle = _expand(_check_ini_value("ca_bundle_dest", ca_bundle_dest), environ)
        elif client_config_path:
            ca_bundle = default_ca_bundle_path(client_config_path, name)
        else:
            raise SnowballError("Give ca_bundle_dest, or the client's config path for the default beside it.")
        self.ca_bundle = _check_ini_value("ca_bundle_dest", ca_bundle)
        for path in (self.credentials_path, self.config_path, client_config_path):
            # The bundle's old content would be replaced, and shown in a diff: never one of the files with secrets.
            if path and os.path.realpath(_expand(path, environ)) == os.path.realpath(ca_bundle):
                raise SnowballError("ca_bundle_dest %s is the file of the credentials, the AWS config or the Snowball "
                                    "Edge client's config: give a file of its own, for example %s."
                                    % (ca_bundle, default_ca_bundle_path(client_config_path or self.config_path, name)))
        for path in (ca_bundle, self.credentials_path, self.config_path):
            _check_destination(path)
        # Checked again under the lock before writing; here so that a foreign profile fails before the device is asked.
        check_profile_is_ours(name, _read_text(self.credentials_path), _read_text(self.config_path),
                              self.credentials_path, self.config_path)


def check_profile_is_ours(name, credentials_text, config_text, credentials_path, config_path):
    """Refuse an existing profile ``name`` (in either file) that this collection did not write.

    Replacing it would destroy what it holds, e.g. an IAM user's secret access key, which AWS never shows again.
    A profile this collection wrote has ``[profile NAME]`` with ``region = snow`` and ``services = NAME-snowball``
    in the config file, and only the key pair in ``[NAME]`` of the credentials file."""
    credentials, config = parsed(credentials_text, credentials_path), parsed(config_text, config_path)
    services = services_section(name)

    def keys(parser, section):
        return set(parser.options(section)) - set(parser.defaults())

    credential_sections = [section for section in credentials.sections() if section == name]
    profile_sections = [section for section in config.sections() if botocore_name(section, "profile") == name]
    services_sections = [section for section in config.sections() if botocore_name(section, "services") == services]
    if not (credential_sections or profile_sections or services_sections):
        return
    marked = [section for section in profile_sections if config.get(section, "services", fallback=None) == services
              and config.get(section, "region", fallback=None) == REGION]
    problems = []
    if not marked:
        found = ["[%s] in %s" % (section, path) for sections, path in ((credential_sections, credentials_path),
                                                                       (profile_sections, config_path),
                                                                       (services_sections, config_path))
                 for section in sections]
        problems.append("%s exist%s, but %s has no [profile %s] with region = %s and services = %s, which this "
                        "collection writes" % (" and ".join(found), "s" if len(found) == 1 else "", config_path, name,
                                               REGION, services))
    for section in credential_sections:
        extra = sorted(keys(credentials, section) - _OWN_CREDENTIAL_KEYS)
        if extra:
            problems.append("[%s] in %s also holds %s" % (section, credentials_path, ", ".join(extra)))
    for section in profile_sections:
        extra = sorted(keys(config, section) - _OWN_CONFIG_KEYS)
        if extra:
            problems.append("[%s] in %s also holds %s" % (section, config_path, ", ".join(extra)))
    if problems:
        raise SnowballError(
            "The AWS profile %s already exists and is not one this collection wrote: %s. It may be your own AWS "
            "profile, whose keys could not be recovered once replaced, so nothing was written. Choose another "
            "profile name (aws_profile; snowball_unlock_device_aws_profile in the role), or remove that profile "
            "yourself if it is an old device profile, then run again." % (name, "; ".join(problems)),
            path=config_path, aws_profile=name)


def write_aws_profile(files, device, check_mode=False, diff=False, warn=None):
    """Write the profile ``files`` describes for ``device`` (a DeviceCredentials); return the task result: the
    profile, the access key id, the device IP, the endpoints and the paths, never the secret key.
    ``warn(msg)`` reports settings in the environment that would override the profile."""
    name = files.name
    ca_plan = FilePlan(files.ca_bundle, device.pem.encode("ascii"))
    ca_plan.diff_before, ca_plan.diff_after = _certificates_text(ca_plan.old), device.pem
    # One lock over the whole read-modify-write of the shared files; the plans are all made (and checked)
    # before the first write, so bad input changes nothing. The CA bundle goes first and the config last,
    # so the profile never points at the device before its key and certificate are in place.
    try:
        with locked((files.ca_bundle, files.credentials_path, files.config_path), create=not check_mode):
            plans = [ca_plan] + plan_profile(files.credentials_path, files.config_path, name, device.access_key_id,
                                             device.secret, files.ca_bundle, device.device_ip, device.endpoints)
            changed = apply_plans(plans, check_mode)
    except OSError as error:  # creating, locking or reading; writes are wrapped in apply_plans
        raise _file_error(files.config_path, error) from None

    overriding = overriding_environment(files.environ)
    if warn and overriding:
        warn("%s set in this environment override the profile's settings for the AWS CLI and SDKs: unset them "
             "where you use --profile %s." % (", ".join(overriding), name))
    result = {
        "changed": changed,
        "aws_profile": name,
        "access_key_id": device.access_key_id,
        "device_ip": device.device_ip,
        "endpoints": dict(device.endpoints),
        "region": REGION,
        "certificate_arns": device.arns,
        "credentials_file": files.credentials_path,
        "config_file": files.config_path,
        "ca_bundle": files.ca_bundle,
    }
    if diff:
        result["diff"] = [plan.diff() for plan in plans if plan.changed]
    return result


def credentials_target(name, access_key_id, secret):
    # botocore looks the profile up in the credentials file by its exact section name.
    return Section(name, lambda header: header == name,
                   {"aws_access_key_id": access_key_id, "aws_secret_access_key": secret},
                   remove=_STALE_CREDENTIAL_KEYS)


def config_targets(name, ca_bundle, device_ip, endpoints=None):
    """``endpoints``: {service: URL}, default the S3 adapter's and EC2's on ``device_ip``."""
    services = services_section(name)
    profile = Section("profile %s" % name, lambda header: botocore_name(header, "profile") == name,
                      dict((("region", REGION), ("ca_bundle", ca_bundle), ("services", services)) + PLAIN_REQUESTS))
    endpoints = Section("services %s" % services, lambda header: botocore_name(header, "services") == services,
                        {service: {"endpoint_url": url}
                         for service, url in (endpoints or endpoint_urls(device_ip)).items()})
    return [profile, endpoints]


def _certificates_text(data):
    """An old CA bundle for a diff: shown when it is only certificates (public), else only its size."""
    if not data:
        return ""
    text = data.decode("ascii", "replace")
    if PEM_BLOCK.sub("", text).strip():
        return "(%d bytes that are not only PEM certificates; not shown)\n" % len(data)
    return text


_FILE_ERRORS = (SnowballError, OSError)


def _file_error(path, error):
    """``error`` (an OSError, or _files' SnowballError) as a SnowballError that names the path and what to do."""
    if isinstance(error, OSError):
        path = error.filename or path
        return SnowballError("Cannot write %s (%s); it was left as it was. Check the owner and permissions of it and "
                             "its directory, and free space, then run again."
                             % (path, error.strerror or error.__class__.__name__), path=path)
    hint = ""
    if "symbolic link" in str(error):
        hint = " If the link is on purpose, point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at the real file."
    return SnowballError("%s%s" % (error, hint), path=path)


def _check_destination(path):
    try:
        check_private_destination(path, missing_parent_ok=True)
    except _FILE_ERRORS as error:
        raise _file_error(path, error) from None


def _read_text(path):
    data = read_bytes(path)
    if data is None:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SnowballError("%s is not UTF-8 text; it was left untouched. Fix or move it, then run again." % path,
                            path=path) from None


def plan_profile(credentials_path, config_path, name, access_key_id, secret, ca_bundle, device_ip, endpoints=None):
    """The two INI files' plans (credentials first) for profile ``name``; SnowballError before anything is written,
    also when the files hold a profile of that name that this collection did not write."""
    old_credentials, old_config = _read_text(credentials_path), _read_text(config_path)
    check_profile_is_ours(name, old_credentials, old_config, credentials_path, config_path)
    credentials_text, credentials_blocks = edit_ini(old_credentials, credentials_path,
                                                    [credentials_target(name, access_key_id, secret)])
    config_text, config_blocks = edit_ini(old_config, config_path, config_targets(name, ca_bundle, device_ip, endpoints))
    (cred_before, cred_after), = credentials_blocks
    return [
        FilePlan(credentials_path, credentials_text.encode("utf-8"),
                 diff_before=masked(cred_before), diff_after=masked(cred_after, cred_before)),
        FilePlan(config_path, config_text.encode("utf-8"),
                 diff_before="".join(masked(before) for before, _after in config_blocks),
                 diff_after="".join(masked(after, before) for before, after in config_blocks)),
    ]


def apply_plans(plans, check_mode=False):
    """Write the plans in order (each atomically), unless ``check_mode``; True when any changed."""
    changed = False
    for plan in plans:
        if check_mode:
            changed |= plan.changed
            continue
        try:
            changed |= plan.apply(create_parent=True)  # also an unchanged file's leftovers go: they hold the secret
        except _FILE_ERRORS as error:
            raise _file_error(plan.path, error) from None
    return changed
