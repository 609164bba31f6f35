# Makefile: PGXS build of the retail_kpi extension.
#   make && make install        build and install into the server found by pg_config
#   make installcheck           run the pg_regress suite against a running server
#   make demo / make test       the README's two commands (throwaway cluster, see test/)
#   make freeze-0.1             write the shipped 0.1 install script (once, see docs/versioning.md)

EXTENSION  = retail_kpi
EXTVERSION = 0.2
MODULE_big = retail_kpi

# Families in install-script order: a family may use objects of the ones before it.
FAMILIES  = header margin ratio stock scalar promo calendar bridge factor abc funnel catalog version
SQL_PARTS = $(wildcard $(addprefix src/,$(addsuffix .sql,$(FAMILIES))))

# Versions (docs/versioning.md): the current version's install script retail_kpi--$(EXTVERSION).sql
# is assembled from the src parts; every released version's install script and every upgrade script
# retail_kpi--A--B.sql are committed files, never edited once shipped.  Families added after 0.1
# (their objects reach 0.1 databases through retail_kpi--0.1--0.2.sql) are left out of the 0.1 freeze.
FAMILIES_AFTER_0.1 = version
SQL_PARTS_0.1      = $(wildcard $(addprefix src/,$(addsuffix .sql,$(filter-out $(FAMILIES_AFTER_0.1),$(FAMILIES)))))

OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
DATA        = $(filter-out $(DATA_built),$(wildcard $(EXTENSION)--*.sql))
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

# The frozen 0.1 install script: written once from the src parts as they were when 0.1 shipped
# (without the families added later), then committed and never edited again.  Refuses to overwrite
# the committed file unless FORCE=1 (only before 0.1 is released, see docs/versioning.md).
freeze-0.1:
	@if [ -f $(EXTENSION)--0.1.sql ] && [ "$(FORCE)" != 1 ]; then \
	  echo "$(EXTENSION)--0.1.sql exists: shipped install scripts are never edited (FORCE=1 to rewrite it before release)"; \
	  exit 1; fi
	cat $(SQL_PARTS_0.1) > $(EXTENSION)--0.1.sql

demo:
	bash test/demo.sh

test:
	bash test/run_tests.sh

bench:
	bash test/bench/run_all.sh

.PHONY: demo test bench freeze-0.1
