# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment for AWX: what `ansible-builder create` makes of meta/execution-environment.yml
(no container engine runs here), and its install steps from the build context (meta/ee/install_from_context.py)
run for real on AWS-shaped client archives and on the collection's own tarball."""

from __future__ import annotations

import ast
import glob
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest
import yaml

BINDIR = os.path.dirname(sys.executable)
INSTALL_SCRIPT = os.path.join("meta", "ee", "install_from_context.py")
CLIENT_DOWNLOAD = "https://aws.amazon.com/snowball/resources/"
# A stand-in for AWS's Linux client: a Java program whose home is the last -Duser.home in JAVA_TOOL_OPTIONS,
# which writes its logs there (~/.aws/snowball/logs) and prints its version (DG using-client-commands.md,
# "Snowball Edge client version"). It records the home it was given, to show that the check left none behind.
FAKE_CLIENT = """#!/bin/sh
home=$(printf '%%s\\n' "$JAVA_TOOL_OPTIONS" | sed -n 's/.*-Duser.home=\\([^ ]*\\).*/\\1/p')
mkdir -p "$home/.aws/snowball/logs" && echo started > "$home/.aws/snowball/logs/snowball-edge.log"
echo "$home" > "%(record)s"
[ "$1" = version ] || exit 64
echo "Snowball client version: 1.2.0  Build 661"
exit %(status)d
"""


def installed_collection():
    """The collection installed from its tarball (make integration sets ANSIBLE_COLLECTIONS_PATH)."""
    root = os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]
    return os.path.join(root, "ansible_collections", "fieldops", "snowball")


def requirement_lines(path):
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]


def create(definition, context):
    """`ansible-builder create`: the build context and its Containerfile, as text."""
    run = subprocess.run([os.path.join(BINDIR, "ansible-builder"), "create", "-f", str(definition), "-c", str(context),
                          "--output-filename", "Containerfile"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "DEPRECATION" not in run.stdout + run.stderr
    return (context / "Containerfile").read_text(encoding="utf-8")


def stages(containerfile):
    """The Containerfile's stages by name (base, galaxy, builder, final): each its list of instructions."""
    found, current = {}, None
    for line in containerfile.splitlines():
        match = re.match(r"FROM \S+ AS (\w+)$", line)
        if match:
            current = found.setdefault(match.group(1), [])
        elif current is not None and line.strip() and not line.startswith(("#", "ARG ")):
            current.append(line.strip())
    return found


def test_the_definition_a_user_installs_builds_an_image_that_can_unlock(tmp_path):
    """From the installed tarball: ansible-core 2.21 on a Python it supports, amazon.aws from Galaxy, this
    collection and the client from the build context, snowballEdge on PATH in the final image."""
    context = tmp_path / "context"
    containerfile = create(os.path.join(installed_collection(), "meta", "execution-environment.yml"), context)
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="(.*)"$', containerfile, re.M).group(1).split()
    assert "ansible-core>=2.21.0,<2.22" in refs
    assert [ref for ref in refs if ref.startswith("ansible-runner")] == ["ansible-runner==2.4.3"]

    build = context / "_build"
    with open(build / "requirements.yml", encoding="utf-8") as handle:
        galaxy = yaml.safe_load(handle)
    assert galaxy["collections"] == [{"name": "amazon.aws", "version": ">=10.1.1"}]  # not ours from Galaxy
    assert requirement_lines(build / "requirements.txt") == requirement_lines("requirements.txt")
    assert requirement_lines(build / "bindep.txt") == requirement_lines("bindep.txt")
    for name in ("requirements.txt", "bindep.txt", "requirements.yml", "snowball/install_from_context.py"):
        assert os.path.isfile(build / name) and not os.path.islink(build / name), name

    steps = stages(containerfile)
    galaxy_stage = steps["galaxy"]
    requirements_install = next(index for index, step in enumerate(galaxy_stage)
                                if "ansible-galaxy collection install" in step and "-r requirements.yml" in step)
    client = galaxy_stage.index("RUN $PYCMD /build/snowball/install_from_context.py client /opt/snowball-edge-client")
    collection = galaxy_stage.index("RUN $PYCMD /build/snowball/install_from_context.py collection "
                                    "/usr/share/ansible/collections $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS")
    # after amazon.aws, so that the tarball's dependency is met; before the builder stage copies the collections
    # and introspects them (boto3 and botocore come from our requirements.txt that way)
    assert requirements_install < client and requirements_install < collection
    assert "COPY --from=galaxy /usr/share/ansible /usr/share/ansible" in steps["builder"]
    assert any("introspect" in step for step in steps["builder"])

    final = steps["final"]
    assert "COPY --from=galaxy /opt/snowball-edge-client /opt/snowball-edge-client" in final
    assert "RUN ln -s /opt/snowball-edge-client/bin/snowballEdge /usr/local/bin/snowballEdge" in final
    assert final.index("RUN ln -s /opt/snowball-edge-client/bin/snowballEdge /usr/local/bin/snowballEdge") < \
        final.index("USER 1000")
    # the archives reach the galaxy stage only: no layer of the final image holds them
    assert not any(step.startswith(("COPY _build", "ADD ")) for step in final)


def newest_tested_core():
    """The newest ansible-core `make matrix` proves the collection on (noxfile.py's cells, read as data: the
    cells' virtualenvs have no nox to import it with)."""
    with open("noxfile.py", encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    cells = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                 and any(isinstance(target, ast.Name) and target.id == "CELLS" for target in node.targets))
    return max(tuple(int(part) for part in core.split(".")[:2]) for core, *_rest in cells.values() if core)


def test_the_image_has_the_newest_ansible_core_the_matrix_proves():
    """When a newer core joins the matrix, the execution environment moves to it (and to a Python it needs)."""
    with open(os.path.join("meta", "execution-environment.yml"), encoding="utf-8") as handle:
        pin = yaml.safe_load(handle)["dependencies"]["ansible_core"]["package_pip"]
    major, minor = newest_tested_core()
    assert pin == "ansible-core>=%d.%d.0,<%d.%d" % (major, minor, major, minor + 1)


def test_the_client_archive_and_the_tarball_put_in_meta_ee_reach_the_build_context(tmp_path):
    meta = tmp_path / "meta"
    shutil.copytree("meta", meta, ignore=shutil.ignore_patterns("*.tar.gz", "*.zip"))
    for name in ("requirements.txt", "bindep.txt"):
        shutil.copy(name, tmp_path / name)
    (meta / "ee" / "snowball-client-linux.tar.gz").write_bytes(b"client")
    (meta / "ee" / "fieldops-snowball-0.2.0.tar.gz").write_bytes(b"collection")
    create(meta / "execution-environment.yml", tmp_path / "context")
    build = tmp_path / "context" / "_build" / "snowball"
    assert (build / "snowball-client-linux.tar.gz").read_bytes() == b"client"
    assert (build / "fieldops-snowball-0.2.0.tar.gz").read_bytes() == b"collection"


# --- the install steps, run as the image's galaxy stage runs them: from a folder holding the script and inputs


@pytest.fixture
def context(tmp_path):
    """A build folder as the galaxy stage sees _build/snowball: the script and nothing else yet."""
    folder = tmp_path / "snowball"
    folder.mkdir()
    shutil.copy(INSTALL_SCRIPT, folder)
    return folder


def run_step(context, *args, env=None):
    return subprocess.run([sys.executable, str(context / "install_from_context.py")] + list(args),
                          capture_output=True, text=True, check=False, env=env)


def fake_client(tmp_path, status=0):
    record = tmp_path / "client-home"
    return (FAKE_CLIENT % {"record": record, "status": status}).encode(), record


def add_file(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def aws_tarball(path, client, top="snowball-client-linux-1.2.0-661"):
    """AWS's layout: one top folder with bin/snowballEdge and the client's own files beside it."""
    with tarfile.open(path, "w:gz") as tar:
        add_file(tar, top + "/bin/snowballEdge", client, 0o755)
        add_file(tar, top + "/lib/snowball-client.jar", b"jar")


def test_client_from_aws_tarball_is_installed_and_started_once_leaving_no_home_behind(tmp_path, context):
    client, record = fake_client(tmp_path)
    aws_tarball(context / "snowball-client-linux.tar.gz", client)
    dest = tmp_path / "opt" / "snowball-edge-client"
    dest.parent.mkdir()
    run = run_step(context, "client", str(dest))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Snowball client version: 1.2.0  Build 661" in run.stdout
    assert os.access(dest / "bin" / "snowballEdge", os.X_OK) and (dest / "lib" / "snowball-client.jar").is_file()
    home = record.read_text(encoding="utf-8").strip()
    assert home and not os.path.exists(home)  # the check's logs went to a home that is gone


def test_client_from_a_zip_keeps_its_executable_bits(tmp_path, context):
    client, _record = fake_client(tmp_path)
    with zipfile.ZipFile(context / "snowball-client-linux.zip", "w") as bundle:
        # the client runs its own Java: bin/snowballEdge starts jre/bin/java
        for name, data in (("bin/snowballEdge", client), ("jre/bin/java", b"#!/bin/sh\n")):
            entry = zipfile.ZipInfo("snowball-client-linux-1.2.0-661/" + name)
            entry.external_attr = 0o100755 << 16
            bundle.writestr(entry, data)
        bundle.writestr("snowball-client-linux-1.2.0-661/lib/snowball-client.jar", b"jar")
    dest = tmp_path / "client"
    run = run_step(context, "client", str(dest))
    assert run.returncode == 0, run.stdout + run.stderr
    assert os.access(dest / "bin" / "snowballEdge", os.X_OK) and os.access(dest / "jre" / "bin" / "java", os.X_OK)
    assert not os.access(dest / "lib" / "snowball-client.jar", os.X_OK)


def test_build_without_the_client_says_where_to_get_it_and_where_to_put_it(tmp_path, context):
    run = run_step(context, "client", str(tmp_path / "client"))
    assert run.returncode == 1
    assert "no Snowball Edge client archive in the build context" in run.stderr
    assert CLIENT_DOWNLOAD in run.stderr and "meta/ee/" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "client").exists()


def test_two_client_archives_are_not_guessed_between(tmp_path, context):
    client, _record = fake_client(tmp_path)
    aws_tarball(context / "snowball-client-linux.tar.gz", client)
    aws_tarball(context / "snowball-client-linux-1.1.0.tar.gz", client)
    run = run_step(context, "client", str(tmp_path / "client"))
    assert run.returncode == 1 and "2 Snowball Edge client archives" in run.stderr, run.stderr
    assert "keep the one to install" in run.stderr and not (tmp_path / "client").exists()


def test_an_archive_without_the_client_is_refused(tmp_path, context):
    with tarfile.open(context / "snowball-client-mac.tar.gz", "w:gz") as tar:
        add_file(tar, "snowball-client-mac/Snowball.app/Contents/Info.plist", b"plist")
    run = run_step(context, "client", str(tmp_path / "client"))
    assert run.returncode == 1 and "has no bin/snowballEdge" in run.stderr and CLIENT_DOWNLOAD in run.stderr


def test_an_archive_reaching_outside_its_folder_writes_nothing(tmp_path, context):
    client, _record = fake_client(tmp_path)
    with tarfile.open(context / "snowball-client-linux.tar.gz", "w:gz") as tar:
        add_file(tar, "snowball-client-linux-1.2.0/bin/snowballEdge", client, 0o755)
        add_file(tar, "../../escaped", b"outside")
    run = run_step(context, "client", str(tmp_path / "client"))
    assert run.returncode == 1 and "outside its own folder" in run.stderr, run.stderr
    assert not glob.glob(str(tmp_path / "**" / "escaped"), recursive=True) and not (tmp_path / "client").exists()


def test_a_client_that_does_not_start_on_the_image_fails_the_build(tmp_path, context):
    client, _record = fake_client(tmp_path, status=127)
    aws_tarball(context / "snowball-client-linux.tar.gz", client)
    run = run_step(context, "client", str(tmp_path / "client"))
    assert run.returncode == 1
    assert "does not start on this image (`snowballEdge version` exited 127)" in run.stderr, run.stderr


def test_collection_step_installs_the_tarball_from_the_build_context(tmp_path, context):
    """With amazon.aws already installed, as the galaxy stage has it; --offline as the build arg
    ANSIBLE_GALAXY_CLI_COLLECTION_OPTS would pass it (no Galaxy here)."""
    # as an administrator makes it, from the checkout (the test runs in one)
    build = subprocess.run([os.path.join(BINDIR, "ansible-galaxy"), "collection", "build", "--output-path",
                            str(context)], capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    collections = tmp_path / "collections"
    amazon = os.path.join(os.path.dirname(os.path.dirname(installed_collection())), "amazon")
    shutil.copytree(amazon, collections / "ansible_collections" / "amazon", symlinks=True)
    # another fieldops.snowball on the collections path (the base image's, here the one under test) does not
    # stand in for the tarball
    env = dict(os.environ, PATH=BINDIR + os.pathsep + os.environ["PATH"], ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([str(collections), os.environ["ANSIBLE_COLLECTIONS_PATH"]]))
    run = run_step(context, "collection", str(collections), "--offline", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    manifest = collections / "ansible_collections" / "fieldops" / "snowball" / "MANIFEST.json"
    with open(manifest, encoding="utf-8") as handle:
        assert json.load(handle)["collection_info"]["name"] == "snowball"


def test_build_without_the_tarball_says_how_to_make_it(tmp_path, context):
    run = run_step(context, "collection", str(tmp_path / "collections"))
    assert run.returncode == 1 and "no fieldops.snowball tarball in the build context" in run.stderr
    assert "ansible-galaxy collection build --output-path meta/ee" in run.stderr
