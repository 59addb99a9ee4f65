# The two commands that matter: `make setup`, then `make test`; `make check` on a reader's machine.
PYTHON ?= python3
TIER ?= portable
MATHJAX_VERSION = 3.2.2
AXE_VERSION = 4.14.1
NPM_PACKAGES = mathjax@$(MATHJAX_VERSION) axe-core@$(AXE_VERSION)
TEX_PACKAGES = texlive-xetex texlive-latex-extra texlive-fonts-recommended latexmk fonts-freefont-otf
BROWSER_PACKAGES = chromium chromium-driver poppler-utils
APT_PACKAGES = $(TEX_PACKAGES) $(BROWSER_PACKAGES)

.PHONY: setup python-version test unit quick notebooks html pdf browser check build bench

setup: python-version  ## Python deps (editable), MathJax for offline HTML and axe-core for the browser checks (npm), TeX and browser packages (apt)
	$(PYTHON) -m pip install -e ".[dev]"
	@if command -v npm >/dev/null; then \
		npm install --prefix .vendor --no-audit --no-fund --loglevel=error $(NPM_PACKAGES); \
	else \
		echo "npm not found: the HTML will load MathJax from its CDN (equations need a network), and the browser checks' accessibility test fails (it needs axe-core)"; \
	fi
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then \
		sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	else \
		echo "apt-get not usable here: install xelatex, latexmk, chromium and chromedriver yourself for the PDF and browser checks"; \
	fi

# Python versions that TensorFlow 2.21 ships wheels for; pip would refuse others too ("requires a
# different Python"), after a longer wait and with less of the reason.
python-version:
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 10) <= v < (3, 14) else "Python %d.%d is not supported: vaebook needs Python 3.10 to 3.13, the versions TensorFlow 2.21 ships wheels for (try make setup PYTHON=python3.12)" % v)'

# Everything CI runs. The unit tests, the notebooks and the HTML come first and stop at the first
# failure; the PDF and browser checks then both run even if one fails (a missing TeX or browser
# is named with what to install), and the make fails at the end if either did.
test: unit notebooks html
	@status=0; $(MAKE) --no-print-directory pdf || status=1; \
		$(MAKE) --no-print-directory browser || status=1; exit $$status

# The unit tests, after the lint and the import layers (pyproject.toml's import-linter contracts).
unit:
	ruff check .
	$(PYTHON) -c "from importlinter.cli import lint_imports_command; lint_imports_command()"  # lint-imports
	$(PYTHON) -m pytest tests/

# The fast tier for the edit-and-test loop: the tests marked quick, which touch every module, in
# one process (TensorFlow is imported once).
quick:
	$(PYTHON) -m pytest tests/ -m quick -n 0

notebooks:
	$(PYTHON) -m pytest --nbval book/

html:
	jupyter-book build book/ -W -n --keep-going

pdf:
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || { \
		echo "xelatex or latexmk not found: the PDF needs TeX. Install it with" \
			"apt-get install $(TEX_PACKAGES) (make setup does)" >&2; exit 1; }
	jupyter-book build book/ --builder pdflatex

browser:
	@missing=""; for tool in chromium chromedriver pdfimages pdftotext; do \
		command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then echo "not found:$$missing. The browser and PDF checks need them: install" \
		"them with apt-get install $(BROWSER_PACKAGES) (make setup does); the checks that need them fail" >&2; fi
	$(PYTHON) -m pytest tests/browser

# The portable tier (TIER=strict: pytest --nbval book/): re-execute every chapter and compare with
# the committed outputs, verdicts and text exactly, numbers within vaebook.book.check.RTOL.
check:
	$(PYTHON) -m vaebook.cli check $(TIER)

build:  ## re-execute every chapter, then build the HTML
	vaebook build

bench:
	$(PYTHON) benchmarks/speed.py
