# Makefile: PGXS build of the retail_kpi extension.
#   make && make install        build and install into the server found by pg_config
#   make installcheck           run the pg_regress suite against a running server
#   make demo / make test       the README's two commands (throwaway cluster, see test/)
#   make freeze-0.1             write the shipped 0.1 install script (once, see docs/versioning.md)
#   make freeze-0.2--0.3        write the shipped 0.2 -> 0.3 upgrade script (once, when 0.3 ships)

EXTENSION  = retail_kpi
EXTVERSION = 0.3
MODULE_big = retail_kpi

# Families in install-script order: a family may use objects of the ones before it.  The indicator
# center (catalog_*) is one file per concern; CATALOG_CODE are the ones that hold only functions and
# views (CREATE OR REPLACE), replayed as they are by the upgrade script.
CATALOG_CODE = catalog_security catalog_define catalog_compile catalog_preaggregates catalog_routing catalog_governance \
               catalog_targets catalog_alerts catalog_forecast catalog_schedule catalog_stdlib catalog_drivers
FAMILIES  = header margin ratio stock scalar promo calendar bridge factor abc funnel \
            $(FAMILIES_NEW_IN_0.3) catalog_model $(CATALOG_CODE) version
SQL_PARTS = $(wildcard $(addprefix src/,$(addsuffix .sql,$(FAMILIES))))

# Versions (docs/versioning.md): the current version's install script retail_kpi--$(EXTVERSION).sql
# is assembled from the src parts; every released version's install script and every upgrade script
# retail_kpi--A--B.sql are committed files, never edited once shipped.  Families added after 0.1
# (their objects reach 0.1 databases through retail_kpi--0.1--0.2.sql) are left out of the 0.1 freeze.
FAMILIES_AFTER_0.1 = version
SQL_PARTS_0.1      = $(wildcard $(addprefix src/,$(addsuffix .sql,$(filter-out $(FAMILIES_AFTER_0.1),$(FAMILIES)))))

# The upgrade 0.2 -> 0.3 (docs/versioning.md): until 0.3 ships it is assembled from the hand-written
# changes to existing objects (src/upgrade/0.2--0.3.sql: checks, DROPs of changed signatures, table
# migrations), the families new in 0.3, every catalog code file as it is in the install script, and
# src/upgrade/0.2--0.3-post.sql (data migrations that need the new functions).  `make freeze-0.2--0.3`
# commits it when 0.3 ships; from then on it is a shipped script, never edited.
FAMILIES_NEW_IN_0.3 = customer distinct receivables forecast
UPGRADE_0.3_PARTS = src/upgrade/0.2--0.3.sql \
                    $(wildcard $(addprefix src/,$(addsuffix .sql,$(FAMILIES_NEW_IN_0.3)))) \
                    $(addprefix src/,$(addsuffix .sql,$(CATALOG_CODE))) src/upgrade/0.2--0.3-post.sql

OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
UPGRADE_0.3_FROZEN = no
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql $(if $(filter no,$(UPGRADE_0.3_FROZEN)),$(EXTENSION)--0.2--0.3.sql)
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

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) Makefile
	cat $(SQL_PARTS) > $@

ifeq ($(UPGRADE_0.3_FROZEN),no)
$(EXTENSION)--0.2--0.3.sql: $(UPGRADE_0.3_PARTS) Makefile
	cat $(UPGRADE_0.3_PARTS) > $@
endif

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

# Writes the 0.2 -> 0.3 upgrade script once, when 0.3 ships (docs/versioning.md); then set
# UPGRADE_0.3_FROZEN = yes above, drop its line from .gitignore and commit the file.
freeze-0.2--0.3:
	@if [ "$(UPGRADE_0.3_FROZEN)" != no ]; then \
	  echo "$(EXTENSION)--0.2--0.3.sql is frozen: shipped upgrade scripts are never edited"; exit 1; fi
	cat $(UPGRADE_0.3_PARTS) > $(EXTENSION)--0.2--0.3.sql

.PHONY: demo test bench freeze-0.1 freeze-0.2--0.3
