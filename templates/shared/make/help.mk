help: ## List the tasks (with the values of the variables they use)
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' $(foreach v,$(HELP_VARS),-v '$(v)=$($(v))') \
		'{ text = $$2; $(foreach v,$(HELP_VARS),gsub(/\$$\($(v)\)/, $(v), text);) printf "  make %-16s %s\n", $$1, text }'

$(PY):
	$(PYTHON) -m venv $(VENV)
