# The two commands that matter: `make setup`, then `make test`; `make check` on a reader's machine.
PYTHON ?= python3
TIER ?= portable
AXE_VERSION = 4.14.1
# npm packages in .vendor/: axe-core, the browser checks' accessibility rules. (MathJax, which the
# HTML serves offline, comes with the Python package sphinx-mathjax-offline.)
NPM_PACKAGES = axe-core@$(AXE_VERSION)
TEX_PACKAGES = texlive-xetex texlive-latex-extra texlive-fonts-recommended latexmk fonts-freefont-otf fonts-dejavu-core
BROWSER_PACKAGES = chromium chromium-driver poppler-utils
APT_PACKAGES = $(TEX_PACKAGES) $(BROWSER_PACKAGES)

# The project environment: make setup installs vaebook there and every target runs its commands.
# It is the active virtualenv, else the active conda environment (not conda's base), else .venv
# in this checkout, which make setup creates with $(PYTHON). VENV=path names another one.
ifneq ($(VIRTUAL_ENV),)
VENV ?= $(VIRTUAL_ENV)
else ifneq ($(and $(CONDA_PREFIX),$(filter-out base,$(CONDA_DEFAULT_ENV))),)
VENV ?= $(CONDA_PREFIX)
else
VENV ?= .venv
endif
BIN = $(VENV)/bin
# Commands a recipe runs without $(BIN)/ (and their subprocesses) find the environment's first.
SYSTEM_PATH := $(PATH)
export PATH := $(abspath $(BIN)):$(PATH)

# Every target but setup and venv runs in the environment, which must exist.
ifeq ($(filter setup venv,$(or $(MAKECMDGOALS),setup)),)
ifeq ($(wildcard $(BIN)/python),)
$(error No project environment in $(VENV): run make setup first, or name an environment that has vaebook installed with VENV=path)
endif
endif

# Exits with the reason unless the Python $(1) is one that TensorFlow 2.21 ships wheels for; pip
# would refuse others too ("requires a different Python"), after a longer wait and with less reason.
supported = "$(1)" -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 10) <= v < (3, 14) else "%s is Python %d.%d: vaebook needs Python 3.10 to 3.13, the versions TensorFlow 2.21 ships wheels for (try make setup PYTHON=python3.12)" % (sys.executable, *v))'
# Runs a command as root: itself when make runs as root, else through sudo (which may ask for a
# password), else fails.
as_root = if [ "$$(id -u)" = 0 ]; then $(1); elif command -v sudo >/dev/null; then sudo $(1); else false; fi

.PHONY: setup venv test unit integration quick notebooks html pdf browser check build bench lab

setup: venv  ## vaebook and its dev tools in the environment, axe-core (npm) into .vendor, TeX and browser packages (apt)
	"$(BIN)/python" -m pip install -e ".[dev]"
	@if command -v npm >/dev/null; then \
		npm install --prefix .vendor --no-audit --no-fund --loglevel=error $(NPM_PACKAGES); \
	else \
		echo "npm not found: the browser checks' accessibility test fails (it needs axe-core)"; \
	fi
	@if command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null; }; then \
		$(call as_root,env DEBIAN_FRONTEND=noninteractive apt-get update -qq) && \
		$(call as_root,env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES)); \
	else \
		echo "apt-get not usable here: install xelatex, latexmk, chromium and chromedriver yourself for the PDF and browser checks"; \
	fi

# The environment, made with $(PYTHON) -m venv unless one that runs pip is there. Debian and Ubuntu
# ship venv's ensurepip in a package of its own (python3.X-venv): installed when apt-get can run as
# root, else named.
venv:
	@if "$(BIN)/python" -m pip --version >/dev/null 2>&1; then \
		$(call supported,$(BIN)/python) || { echo "Delete or deactivate $(VENV), then run make setup again" >&2; exit 1; }; \
		echo "Project environment: $(VENV) ($$("$(BIN)/python" -V))"; \
	elif [ "$(VENV)" = "$(VIRTUAL_ENV)" ] || [ "$(VENV)" = "$(CONDA_PREFIX)" ]; then \
		echo "The active environment $(VENV) has no python with pip: install them there, or deactivate it to use .venv" >&2; \
		exit 1; \
	else \
		export PATH="$(SYSTEM_PATH)"; \
		$(call supported,$(PYTHON)) || exit 1; \
		if ! "$(PYTHON)" -c 'import ensurepip, venv' 2>/dev/null; then \
			package=$$("$(PYTHON)" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])'); \
			echo "$(PYTHON) has no ensurepip, which python -m venv needs: installing $$package"; \
			{ command -v apt-get >/dev/null && $(call as_root,env DEBIAN_FRONTEND=noninteractive apt-get update -qq) && \
				$(call as_root,env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$package); } || { \
				echo "Could not install $$package: install it as root (apt-get install $$package) and run" \
					"make setup again, or use another Python: make setup PYTHON=path/to/python3.10-3.13" >&2; \
				exit 1; }; \
		fi; \
		echo "Project environment: $(VENV), made with $(PYTHON) ($$("$(PYTHON)" -V))"; \
		"$(PYTHON)" -m venv $(if $(filter .venv,$(VENV)),--clear) "$(VENV)"; \
	fi

# Everything CI runs. The unit and integration tests, the notebooks and the HTML come first and stop
# at the first failure; the PDF and browser checks then both run even if one fails (a missing TeX
# or browser is named with what to install), and the make fails at the end if either did.
test: unit integration notebooks html
	@status=0; $(MAKE) --no-print-directory pdf || status=1; \
		$(MAKE) --no-print-directory browser || status=1; exit $$status

# The unit tests, after the lint and the import layers (pyproject.toml's import-linter contracts):
# pytest's default, which leaves out the tests marked integration.
unit:
	"$(BIN)/ruff" check .
	"$(BIN)/lint-imports"
	"$(BIN)/python" -m pytest tests/

# The tests marked integration: chapters executed by papermill, vaebook in processes of its own,
# sweeps on a process pool and a dask cluster.
integration:
	"$(BIN)/python" -m pytest tests/ -m integration

# The fast tier for the edit-and-test loop: the tests marked quick, which touch every module, in
# one process (TensorFlow is imported once).
quick:
	"$(BIN)/python" -m pytest tests/ -m quick -n 0

# The chapters against their committed outputs, in the tier that applies here: the strict one
# (pytest --nbval book/) on the reference stack of the committed outputs, else the portable one,
# after naming the fields in which this machine's stack differs (vaebook check auto).
notebooks:
	"$(BIN)/vaebook" check auto

html:
	"$(BIN)/jupyter-book" build book/ -W -n --keep-going

pdf:
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || { \
		echo "xelatex or latexmk not found: the PDF needs TeX. Install it with" \
			"apt-get install $(TEX_PACKAGES) (make setup does)" >&2; exit 1; }
	"$(BIN)/jupyter-book" build book/ --builder pdflatex

browser:
	@missing=""; for tool in chromium chromedriver pdfimages pdftotext; do \
		command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then echo "not found:$$missing. The browser and PDF checks need them: install" \
		"them with apt-get install $(BROWSER_PACKAGES) (make setup does); the checks that need them fail" >&2; fi
	"$(BIN)/python" -m pytest tests/browser

# The portable tier (TIER=strict: pytest --nbval book/): re-execute every chapter and compare with
# the committed outputs, verdicts and text exactly, numbers within vaebook.book.check.RTOL.
check:
	"$(BIN)/vaebook" check $(TIER)

build:  ## re-execute every chapter, then build the HTML
	"$(BIN)/vaebook" build

bench:
	"$(BIN)/python" benchmarks/speed.py

# The chapters in JupyterLab, run by this environment's Python (the book's kernel), each in
# book/ as papermill runs it. The lab extra (jupyterlab) is installed first if it is missing; as
# root (a container), Jupyter is told that root is meant.
lab:
	@"$(BIN)/python" -c "import jupyterlab" 2>/dev/null || "$(BIN)/python" -m pip install -e ".[lab]"
	"$(BIN)/jupyter-lab" --ServerApp.root_dir=book $(if $(filter 0,$(shell id -u)),--allow-root)
