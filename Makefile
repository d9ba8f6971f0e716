# The two commands: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.duckdb

.PHONY: demo test install clean-demo

# torch first: pip then keeps the CPU build from local disk instead of pulling CUDA wheels.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	rm -f $(DEMO_DB)
	$(BIN)/dealtape --db $(DEMO_DB) init
	$(BIN)/dealtape --db $(DEMO_DB) ingest data/
	$(BIN)/dealtape --db $(DEMO_DB) status
	$(BIN)/dealtape --db $(DEMO_DB) sql "select account, count(*) as conversations, string_agg(distinct kind, ', ') as kinds from conversations group by account order by account"
	$(BIN)/dealtape --db $(DEMO_DB) conversations
	$(BIN)/dealtape --db $(DEMO_DB) show "$$($(BIN)/dealtape --db $(DEMO_DB) sql "select conversation_id from conversations where kind = 'call' order by started_at limit 1" --format ids)"

test: install
	$(BIN)/python -m pytest
