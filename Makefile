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

DEALTAPE := $(BIN)/dealtape --db $(DEMO_DB) --config data/dealtape.toml

demo: install
	rm -f $(DEMO_DB)
	$(DEALTAPE) init
	$(DEALTAPE) ingest data/
	$(DEALTAPE) sql "select account_name as account, count(*) as conversations, \
	    count(*) filter (where kind = 'call') as calls, count(*) filter (where kind = 'email') as email_threads, \
	    count(*) filter (where kind = 'chat') as chats, max(ended_at) as last_activity \
	    from conversations group by all order by last_activity desc"
	$(DEALTAPE) conversations
	$(DEALTAPE) extract
	$(DEALTAPE) facts
	$(DEALTAPE) sql "select name as deal, owner, stage, stage_state, amount, close_date, next_step, \
	    days_since_activity as idle_days, competitors from deals order by last_activity_at desc"
	$(DEALTAPE) query pipeline
	$(DEALTAPE) query deals-at-risk
	$(DEALTAPE) review list --deal acme

# the IMAP tests start a real IMAP server (Debian's dovecot); install it when it is missing
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

test: install
	command -v dovecot >/dev/null || test -x /usr/sbin/dovecot || ($(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq dovecot-imapd) || \
	    echo "warning: could not install dovecot-imapd: the IMAP tests will be skipped (and say so)"
	$(BIN)/python -m pytest
