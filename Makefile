# Sapa Dukcapil — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := bot

.PHONY: run test install chat worker clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/flask init-db
	$(BIN)/flask seed-demo
	$(BIN)/python -m nlu train   # a few seconds now, so the first citizen does not wait for it
	@echo "Sapa Dukcapil berjalan di http://127.0.0.1:$(PORT)  —  coba chat di http://127.0.0.1:$(PORT)/try"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/lint-imports   # the one-way layers (pyproject.toml): names the import that breaks them
	$(BIN)/python -m pytest $(PYTEST_ARGS)

chat: install
	$(BIN)/flask init-db
	$(BIN)/flask chat

worker: install
	$(BIN)/rq worker --with-scheduler --worker-class bot.worker.AppWorker --url $(REDIS_URL) sapa

clean:
	rm -rf $(VENV) instance .pytest_cache
