# The two commands that matter: `make setup`, then `make test`.
PYTHON ?= python3
MATHJAX_VERSION = 3.2.2
APT_PACKAGES = texlive-xetex texlive-latex-extra texlive-fonts-recommended latexmk fonts-freefont-otf \
               chromium chromium-driver poppler-utils

.PHONY: setup test unit notebooks html pdf browser build bench

setup:  ## Python deps (editable), MathJax for offline HTML (npm), TeX and browser packages (apt)
	$(PYTHON) -m pip install -e ".[dev]"
	@if command -v npm >/dev/null; then \
		npm install --prefix .vendor --no-audit --no-fund --loglevel=error mathjax@$(MATHJAX_VERSION); \
	else \
		echo "npm not found: the HTML will load MathJax from its CDN (equations need a network)"; \
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

test: unit notebooks html pdf browser  ## everything CI runs

unit:
	ruff check .
	$(PYTHON) -m pytest tests/ --ignore=tests/browser

notebooks:
	$(PYTHON) -m pytest --nbval book/

html:
	jupyter-book build book/ -W -n --keep-going

pdf:
	jupyter-book build book/ --builder pdflatex

browser:
	$(PYTHON) -m pytest tests/browser

build:  ## re-execute every chapter, then build the HTML
	vaebook build

bench:
	$(PYTHON) benchmarks/speed.py
