# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight, before anything is fetched or written: a client that is not the Snowball Edge client, a device
that refuses port 9091 (still booting) and one that answers. The devices here have loopback addresses
(127.0.0.0/8, one per test so parallel tests never share one), and a device that is up has a real listener on
its port 9091: the pre-flight's TCP connection never leaves this machine. On the path the suite runs."""

from __future__ import annotations

import os
import random
import socket
import threading

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars

PORT = 9091  # developer guide port-requirements.md: the device management endpoint


class Listener:
    """Port 9091 of a device that is up: accepts connections and records what each one sent."""

    def __init__(self, ip):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, PORT))
        self.sock.listen(8)
        self.received = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                connection, _peer = self.sock.accept()
            except OSError:
                return  # closed
            with connection:
                data = b""
                while chunk := connection.recv(1024):
                    data += chunk
                self.received.append(data)

    def close(self):
        self.sock.close()


@pytest.fixture
def loopback_ip():
    return "127.%d.%d.%d" % (random.randint(1, 254), random.randint(1, 254), random.randint(2, 254))


def preflight_vars(site, job_id, ip, **extra):
    return device_vars(site, job_id, ip=ip, snowball_unlock_preflight_connect=True, **extra)


def test_a_device_that_answers_on_port_9091_is_unlocked_after_one_silent_connection(site, loopback_ip):
    job_id = site.add_device(ip=loopback_ip)
    listener = Listener(loopback_ip)
    try:
        process = site.playbook(ROLE_PLAY, hosts={"bench": preflight_vars(site, job_id, loopback_ip)})
    finally:
        listener.close()
    assert process.returncode == 0, process.stdout[-3000:]
    assert site.device_states() == {loopback_ip: "UNLOCKED"}
    assert listener.received == [b""]  # connected once, sent nothing


@pytest.mark.parametrize("check", [False, True], ids=["run", "check mode"])
def test_a_device_still_booting_is_found_before_anything_is_fetched_or_written(site, loopback_ip, check):
    job_id = site.add_device(ip=loopback_ip)
    process = site.playbook(ROLE_PLAY, hosts={"bench": preflight_vars(site, job_id, loopback_ip)},
                            args=["--check"] if check else [])
    assert process.returncode != 0
    assert "%s refused the connection to port 9091 (snowball_unlock_wait_for_device is 0: one attempt)" % loopback_ip \
        in process.stdout, process.stdout[-3000:]
    assert site.world.calls == []
    assert [entry["command"] for entry in site.client_invocations()] == ["version"]
    assert not os.path.exists(os.path.join(site.home, ".snowball")) and not os.path.exists(site.config_path())


def test_a_program_that_is_not_the_snowball_edge_client_is_found_before_any_call(site, loopback_ip):
    job_id = site.add_device(ip=loopback_ip)
    process = site.playbook(ROLE_PLAY, hosts={"bench": preflight_vars(site, job_id, loopback_ip,
                                                                      snowball_unlock_client="/bin/true")})
    assert process.returncode != 0
    assert "/bin/true is not the Snowball Edge client: `/bin/true version` exited 0 and printed nothing" \
        in process.stdout, process.stdout[-3000:]
    assert site.world.calls == [] and site.client_invocations() == []
