# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation of the Snowball Edge client's options every on-site module shares (profile or transient
credentials, client, cluster_ips, config_path, client_timeout)."""

from __future__ import annotations


class ModuleDocFragment:
    # How the modules that talk to a device find it and the Snowball Edge client.
    DOCUMENTATION = r"""
options:
  profile:
    description:
      - The Snowball Edge client profile that holds the device's endpoint, manifest and unlock code, as written
        by M(fieldops.snowball.snowball_edge_profile), C(snowballEdge configure) or AWS OpsHub.
      - Preferred, because the unlock code stays in the profile file and never appears on a command line.
      - Give O(profile), or O(endpoint), O(manifest_path) and O(unlock_code), not both.
    type: str
  endpoint:
    description:
      - The device, as the IP address on its display or C(https://IP).
      - With O(endpoint), O(manifest_path) and O(unlock_code), the module writes a transient profile into a private
        temporary client home (mode C(0700)) for the duration of the task, and points the client at it with
        C(JAVA_TOOL_OPTIONS=-Duser.home=...). The code is never on a command line, the client's own config file is
        not touched, and the temporary home is removed afterwards, also after a failure or an interrupt.
    type: str
  manifest_path:
    description: The job's manifest file, as downloaded by M(fieldops.snowball.snowball_manifest).
    type: path
  unlock_code:
    description: The job's unlock code, as returned by M(fieldops.snowball.snowball_unlock_code). Never shown.
    type: str
  client:
    description:
      - The Snowball Edge client executable, a name looked up on E(PATH) or a path.
      - Download the client from U(https://aws.amazon.com/snowball/resources/).
    type: str
    default: snowballEdge
  cluster_ips:
    description:
      - For a cluster, the IP addresses of every device. The client's cluster commands are used and every
        device must be unlocked for the cluster to count as unlocked.
    type: list
    elements: str
  config_path:
    description:
      - The client's config file that holds O(profile). The client reads only
        C(HOME/.aws/snowball/config/snowball-edge.config) under its Java home, so another path must end that way;
        the client is then pointed at that home with C(JAVA_TOOL_OPTIONS=-Duser.home=HOME).
      - Default, the client's own config file. The client is a Java program, and its home is Java's C(user.home),
        found as the client finds it, that is the last C(-Duser.home=) in E(JAVA_TOOL_OPTIONS) and then E(_JAVA_OPTIONS)
        (read last, so it wins), else the home directory of the user in the password database
        (C(getent passwd USER)), not E(HOME). When E(HOME) is another directory, the module warns and uses the client's file.
      - Set it when the profile is in another home, for example after C(sudo) without C(-H), in a container whose
        E(HOME) is not the user's, or for a profile written there by M(fieldops.snowball.snowball_edge_profile)
        with the same O(config_path).
    type: path
    version_added: 0.2.0
  client_timeout:
    description:
      - Seconds one run of the client may take; a client that has not answered by then is killed with the processes
        it started, and the task fails with C(the client did not answer within N s) and the command.
      - No run goes past the task's C(timeout) keyword, nor past O(fieldops.snowball.snowball_edge_unlock#module:timeout)
        while unlocking. Above 0, at most 86400.
    type: int
    default: 120
    version_added: 0.3.0
"""
