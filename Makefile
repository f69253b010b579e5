# The two commands of the README are `make run` and `make test`; everything else is a helper.
SHELL := /bin/bash
RASA_VENV := .venvs/rasa
APP_VENV := .venvs/app
APP_PY := $(APP_VENV)/bin/python

.PHONY: run test serve train validate eval bench lint clean distclean envs

envs: $(RASA_VENV)/.installed $(APP_VENV)/.installed

$(RASA_VENV)/.installed: requirements/rasa.lock
	@scripts/make-venv.sh $(RASA_VENV) requirements/rasa.lock

$(APP_VENV)/.installed: requirements/app.lock
	@scripts/make-venv.sh $(APP_VENV) requirements/app.lock

run: envs        ## set up, train if needed, start actions + Rasa + bot (console without TELEGRAM_BOT_TOKEN)
	@$(APP_PY) -m stack run

test: envs       ## set up, then run the whole suite, phase by phase
	@$(APP_PY) -m stack test

serve: envs      ## action server + Rasa REST server in the foreground
	@$(APP_PY) -m stack serve

train: envs      ## train the model if config, domain or nlu/ changed (FORCE=1 to retrain)
	@$(APP_PY) -m stack train $(if $(FORCE),--force,)

validate: envs   ## rasa data validate on the generated + written training data
	@$(APP_PY) -m stack validate

eval: envs       ## NLU figures on tests/data/ + ../shared/eval/faq_dev.yml end to end; report in reports/
	@$(APP_PY) -m stack train
	@$(APP_PY) -m stack eval

bench: envs      ## speed, capacity and understanding vs baselines (starts its own stack); report in bench/results/
	@$(APP_PY) -m stack train
	@$(APP_PY) -m bench

lint: envs
	@$(APP_VENV)/bin/ruff check .

clean:           ## remove models, runtime data and generated files (keeps the environments)
	rm -rf models var nlu/generated .pytest_cache .ruff_cache .hypothesis

distclean: clean ## also remove both environments
	rm -rf .venvs
