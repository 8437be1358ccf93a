# mfkit: two commands from a fresh clone with only Python >= 3.10:
#   make book   -> .venv with pinned dependencies, executes the notebooks, HTML in _build/html
#   make test   -> same .venv; builds the book, then ONE pytest run on two workers: unit tests, nbval
#                  on every book/*.ipynb, and the headless-Chromium check of every built page
#
# Other targets: test-science (the science alone), book-strict (warnings are errors), rendering
# (headless Chromium check of the built book), pdf (the whole book as one checked PDF),
# constraints (re-pin), clean, distclean.

PYTHON     ?= python3
VENV       ?= .venv
BIN        := $(VENV)/bin
# Extras of pyproject.toml to install; CI adds the optional NEST backend: make test EXTRAS=book,test,nest.
# The stamp names them, so changing EXTRAS (re)installs.
EXTRAS     ?= book,test
comma      := ,
STAMP      := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
JB         := $(BIN)/jupyter-book
PYTEST_ARGS ?=
NBVAL_ARGS ?= --nbval --nbval-current-env --nbval-sanitize-with book/nbval_sanitize.cfg
JB_STRICT  := -W -n --keep-going
# pytest-xdist: 2 worker processes; --dist loadfile keeps a file's tests on one worker, so the cells
# of a notebook run in order in one kernel. Files are handed out longest first (tests/conftest.py
# orders them; --no-loadscope-reorder keeps that order). PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= 2
XDIST      := -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder
# A forced MPLBACKEND (e.g. Agg) would stop notebook kernels from emitting their figures.
NO_MPL     := env -u MPLBACKEND

.DEFAULT_GOAL := help
.PHONY: help venv book book-stored book-strict test test-science rendering pdf constraints clean distclean

help:
	@echo "make book        build the HTML book into _build/html (creates .venv if missing)"
	@echo "make test        builds the book, then unit tests + nbval + browser check (creates .venv if missing)"
	@echo "                 EXTRAS=book,test,nest also installs NEST and runs the backend comparisons"
	@echo "make test-science the unit tests of the science alone (no policy, records or rendering checks, no notebooks)"
	@echo "make book-strict book build with warnings as errors (-W -n --keep-going)"
	@echo "make book-stored strict build of the outputs stored in the notebooks (no execution; used by make test)"
	@echo "make rendering   open every built page in headless Chromium (needs chromium)"
	@echo "make pdf         the whole book as one PDF, _build/pdf/mfkit-book.pdf, checked (needs chromium)"
	@echo "make clean       remove _build and caches (keeps .venv)"
	@echo "make distclean   clean + remove .venv"

venv: $(STAMP)

# Recreate/refresh the environment whenever the dependency declarations change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	@touch $(STAMP)

book: $(STAMP)
	$(NO_MPL) $(JB) build .

# --all re-reads every page, so warnings of unchanged pages are not hidden by an earlier build
# (notebook execution stays cached).
book-strict: $(STAMP)
	$(NO_MPL) $(JB) build --all $(JB_STRICT) .

# The book as stored: a strict build that renders the outputs saved in the notebooks instead of
# executing them (same _config.yml with execute_notebooks set to "off").  `make test` uses it: nbval,
# in the same pytest run, re-executes every notebook and fails on any stored output that a fresh run
# does not reproduce, so the pages checked are those of a fresh execution, computed once, not twice.
STORED_CONFIG := _build/config-stored-outputs.yml
book-stored: $(STAMP)
	@mkdir -p _build
	sed 's/^\(  execute_notebooks:\) cache$$/\1 "off"/' _config.yml > $(STORED_CONFIG)
	@grep -q 'execute_notebooks: "off"' $(STORED_CONFIG) || { echo "execute_notebooks: cache not found in _config.yml"; exit 1; }
	$(NO_MPL) $(JB) build --all $(JB_STRICT) --config $(STORED_CONFIG) .

# One pytest run: unit tests, nbval on every notebook, and the browser check of the built book
# (tests/test_rendering.py, skipped outside CI when chromium is missing), so the book is built first.
# -rs: the summary lists every skip with its reason (e.g. the NEST tests without EXTRAS=...,nest).
test: book-stored
	$(NO_MPL) $(BIN)/python -m pytest book tests -rs $(XDIST) $(NBVAL_ARGS) $(PYTEST_ARGS)

# The science alone: the unit tests without the checks of the project's own rules (marker policy),
# of the committed benchmark records (records) and of the built book (rendering); no notebook, no
# book build.
SCIENCE    := not policy and not records and not rendering
test-science: $(STAMP)
	$(NO_MPL) $(BIN)/python -m pytest tests -m "$(SCIENCE)" -rs $(XDIST) $(PYTEST_ARGS)

# Only the browser check of the built book (tests marked `rendering`).
rendering: book
	$(BIN)/python -m pytest tests -m rendering $(PYTEST_ARGS)

# The whole book as one PDF: the pages of the stored build joined in headless Chromium in the order of
# _toc.yml and printed (tools/build_pdf.py), then checked: every figure embedded, every equation typeset,
# no unresolved reference, a sane page count. Fails if a check fails. Under a minute, half of it the build.
PDF        := _build/pdf/mfkit-book.pdf
pdf: book-stored
	$(BIN)/python tools/build_pdf.py --html _build/html --out $(PDF)

# Re-pin: throw-away venvs per interpreter, unconstrained install, pip freeze, merged with
# python_full_version markers (mfkit itself excluded). PIN_PYTHONS lists the interpreters to freeze with.
PIN_PYTHONS ?= python3.10 /usr/bin/python3 python3
constraints:
	$(PYTHON) .ci/pin_constraints.py $(foreach p,$(PIN_PYTHONS),--python $(p))

clean:
	rm -rf _build .jupyter_cache .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -name .ipynb_checkpoints -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
