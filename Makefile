# The two commands a new user needs: `make demo` and `make test`.
# Everything is built from this checkout into .venv and .build; nothing is
# installed outside them (ansible-test runs with a HOME of its own under .build).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(abspath $(VENV))/bin
BUILD := $(abspath .build)
VERSION := $(shell sed -n 's/^version: //p' galaxy.yml)
TARBALL := $(BUILD)/dist/fieldops-snowball-$(VERSION).tar.gz
# The collection as a user installs it (from its own tarball), beside amazon.aws.
COLLECTIONS := $(BUILD)/collections
# ansible-test needs the source at a real .../ansible_collections/fieldops/snowball.
STAGE := $(BUILD)/stage
STAGED := $(STAGE)/ansible_collections/fieldops/snowball
# The Python ansible-test runs sanity and units on (a matrix cell sets it, with BIN, COLLECTIONS and STAGE).
TEST_PYTHON ?= 3.11
# When this make started: `make test` records its time for `make matrix` (see scripts/test_record.py).
STARTED := $(shell date +%s)
# ansible-test keeps its virtualenvs and its get-pip.py cache under $HOME/.ansible/test: this HOME, never the
# user's. pyenv's shims (python3.X) find their root through HOME unless PYENV_ROOT says where it is.
ANSIBLE_TEST_HOME := $(BUILD)/ansible-test-home
ANSIBLE_TEST := HOME=$(ANSIBLE_TEST_HOME) PYENV_ROOT=$(or $(PYENV_ROOT),$(HOME)/.pyenv) $(BIN)/ansible-test
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(BIN):$(PATH)

.PHONY: demo standins test matrix bench env collection stage sanity units integration lint lint-installed importer clean

# The demo's output is the demo: setting up and building go to .build/demo-setup.log (shown on a failure).
demo:
	@mkdir -p $(BUILD) && echo "make demo: setting up .venv and building the collection (log: .build/demo-setup.log) ..."
	@$(MAKE) --no-print-directory collection >$(BUILD)/demo-setup.log 2>&1 || { tail -30 $(BUILD)/demo-setup.log; exit 1; }
	@$(BIN)/python scripts/demo.py

# The stand-ins up until Ctrl-C, with an inventory and environment to rehearse a playbook against (DEVICES=N).
standins:
	@mkdir -p $(BUILD) && echo "make standins: setting up .venv and building the collection (log: .build/standins-setup.log) ..."
	@$(MAKE) --no-print-directory collection >$(BUILD)/standins-setup.log 2>&1 || { tail -30 $(BUILD)/standins-setup.log; exit 1; }
	@$(BIN)/python scripts/standins.py

test: sanity units integration lint lint-installed importer
	$(BIN)/python scripts/test_record.py record $$(( $$(date +%s) - $(STARTED) ))
	@echo "make test: sanity, units, integration, lint (checkout and installed tarball) and importer passed"

# sanity, units and integration on each supported ansible-core: one nox session per cell (noxfile.py);
# CELLS="core2.21 floors" runs some.
matrix: env
	$(BIN)/nox --noxfile noxfile.py $(if $(CELLS),--sessions $(CELLS))

bench: collection
	$(BIN)/python bench/run.py

env: $(VENV)/.installed $(BUILD)/.offline

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# amazon.aws (and the tests' callback collections) from the `ansible` package on PyPI: no Galaxy server needed.
$(BUILD)/.offline: scripts/bootstrap_offline.py | $(VENV)/.installed
	$(BIN)/python scripts/bootstrap_offline.py $(COLLECTIONS) $(STAGE)
	touch $@

# ansible-test's pip bootstrap, for sanity and units only, seeded into ANSIBLE_TEST_HOME (see the script).
$(ANSIBLE_TEST_HOME)/.seeded: scripts/bootstrap_offline.py | $(VENV)/.installed
	$(BIN)/python scripts/bootstrap_offline.py --seed-get-pip $(ANSIBLE_TEST_HOME)
	touch $@

collection: env
	rm -rf $(BUILD)/dist $(COLLECTIONS)/ansible_collections/fieldops
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist >/dev/null
	$(BIN)/ansible-galaxy collection install --no-deps --force -p $(COLLECTIONS) $(TARBALL) >/dev/null
	@echo "installed $(notdir $(TARBALL)) ($$(du -k $(TARBALL) | cut -f1) KiB) into $(COLLECTIONS)"

stage: env
	rm -rf $(STAGED) && mkdir -p $(STAGED)
	tar -c --exclude=./.git --exclude=./.venv --exclude=./.build --exclude=./tests/output \
	    --exclude=__pycache__ --exclude=./bench/results . | tar -x -C $(STAGED)
	# ansible-test walks up to the nearest .git for its file list; this checkout's
	# .gitignore hides .build, so the stage gets a repository of its own.
	git -C $(STAGED) init -q

sanity: stage $(ANSIBLE_TEST_HOME)/.seeded
	cd $(STAGED) && $(ANSIBLE_TEST) sanity --python $(TEST_PYTHON) --color no

units: stage $(ANSIBLE_TEST_HOME)/.seeded
	cd $(STAGED) && $(ANSIBLE_TEST) units --python $(TEST_PYTHON) --color no

# The playbook and leak suites on each path of the action plugins: in Ansible's worker (in_process) and
# shipped as modules (module). The matrix runs the default path only: what differs between cores is Ansible's.
TEST_PATHS ?= in_process module
integration: collection stage
	for path in $(TEST_PATHS); do \
	    echo "integration: the suites on the $$path path"; \
	    cd $(STAGED) && FIELDOPS_SNOWBALL_TEST_PATH=$$path PYTHONPATH=$(STAGE) \
	        $(BIN)/python -m pytest -p no:cacheprovider -n 2 tests/integration || exit 1; \
	done

lint: stage
	cd $(STAGED) && $(BIN)/ansible-lint

# ansible-lint's production profile on the collection as a user installs it: from the tarball, into a
# directory outside this checkout, so that the repository's .ansible-lint (not in the tarball) does not apply.
lint-installed: collection
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	    ANSIBLE_COLLECTIONS_PATH=$$tmp $(BIN)/ansible-galaxy collection install --no-deps -p $$tmp $(TARBALL) >/dev/null && \
	    cd $$tmp/ansible_collections/fieldops/snowball && \
	    ANSIBLE_COLLECTIONS_PATH=$$tmp:$(COLLECTIONS) $(BIN)/ansible-lint --offline --profile production --nocolor

# galaxy-importer, what Galaxy runs on an upload, on the tarball, configured as galaxy.ansible.com
# runs it (.ci/galaxy-importer.cfg). Its own venv: its pins (attrs<24, flake8<7) clash with ours.
IMPORTER := $(BUILD)/importer
$(IMPORTER)/.installed: requirements-importer.txt
	rm -rf $(IMPORTER) && $(PYTHON) -m venv $(IMPORTER)
	$(IMPORTER)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-importer.txt
	touch $@

importer: collection $(IMPORTER)/.installed
	rm -rf $(BUILD)/import && mkdir -p $(BUILD)/import
	cd $(BUILD)/import && GALAXY_IMPORTER_CONFIG=$(abspath .ci/galaxy-importer.cfg) PATH=$(IMPORTER)/bin:$$PATH \
	    $(IMPORTER)/bin/python -m galaxy_importer.main $(TARBALL) 2>&1 | tee importer.log
	$(BIN)/python scripts/check_galaxy_import.py $(BUILD)/import/importer.log $(BUILD)/import/importer_result.json

clean:
	rm -rf $(VENV) $(BUILD)
