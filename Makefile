# Makefile: PGXS build of the retail_kpi extension.
#   make && make install        build and install into the server found by pg_config
#   make installcheck           run the pg_regress suite against a running server
#   make demo / make test       the README's two commands (throwaway cluster, see test/)

EXTENSION  = retail_kpi
EXTVERSION = 0.1
MODULE_big = retail_kpi

# Families in install-script order: a family may use objects of the ones before it.
FAMILIES  = header margin ratio stock scalar promo calendar bridge factor abc funnel catalog
SQL_PARTS = $(wildcard $(addprefix src/,$(addsuffix .sql,$(FAMILIES))))

OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
DATA        = $(filter-out $(DATA_built),$(wildcard $(EXTENSION)--*--*.sql))
REGRESS     = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=$(EXTENSION)
PG_CFLAGS   = -std=gnu99 -Wall -Wextra -Werror -Wno-unused-parameter \
              -Wno-missing-field-initializers -Wno-sign-compare
EXTRA_CLEAN = $(DATA_built) results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

.DEFAULT_GOAL := all

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
all install installcheck:
	@echo "PostgreSQL 15 server headers not found (pg_config --pgxs)."; \
	 echo "Install them with: sudo apt-get install postgresql-15 postgresql-server-dev-15"; \
	 echo "or run 'make demo' / 'make test' as root, which installs them."; exit 1
endif

$(DATA_built): $(SQL_PARTS) Makefile
	cat $(SQL_PARTS) > $@

$(OBJS): $(wildcard src/*.h)

demo:
	bash test/demo.sh

test:
	bash test/run_tests.sh

bench:
	bash test/bench/run_all.sh

.PHONY: demo test bench
