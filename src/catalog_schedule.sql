-- src/catalog_schedule.sql: scheduled pre-aggregate refresh and alert evaluation with pg_cron, and
-- the alert events (stored once per rule x period x members, pushed with NOTIFY) (issue 13).
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- Security (docs/security.md is the contract, rule R13):
-- * pg_cron runs a job as the role that scheduled it (cron.schedule records current_user), so the
--   scheduling functions are SECURITY INVOKER: a job always runs with its scheduler's rights, and
--   nobody can schedule, change or unschedule a job that runs as another role (pg_cron's own row-level
--   security on cron.job; our functions only ever touch the caller's own jobs).
-- * a refresh job calls refresh_preaggregate_incremental, which checks its role at every run (owner
--   role or steward) and reads the source as the extension's owner (superusers' code only).
-- * an alert job calls evaluate_alerts(), which evaluates only the enabled rules owned by its current
--   role (check_alerts, R5), so each rule runs with its owner's rights: for a rule owned by a
--   NOLOGIN group role, a member schedules the job with owner => 'group' and the job's command starts
--   with SET ROLE to it (only the group's rights, never the member's own).
-- * pg_cron is never a dependency: cron.* is referenced through dynamic SQL only, retail_kpi installs
--   and works without it, and the scheduling functions then raise 55000 with the install hint.

-- ---------------------------------------------------------------------------------------------
-- pg_cron availability

-- The database whose jobs pg_cron's scheduler runs (its launcher's database, = cron.database_name), NULL
-- when no scheduler runs (pg_cron not in shared_preload_libraries).  The launcher is looked for rather
-- than the setting, which postgresql.conf can hold without the library being loaded.  SECURITY
-- DEFINER: other sessions' rows of pg_stat_activity are hidden from ordinary roles; it returns
-- nothing else.
CREATE OR REPLACE FUNCTION _catalog_cron_database() RETURNS text
LANGUAGE sql STABLE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.datname::text FROM pg_catalog.pg_stat_activity a WHERE a.backend_type = 'pg_cron launcher'
    ORDER BY a.backend_start LIMIT 1;
$$;
COMMENT ON FUNCTION _catalog_cron_database() IS 'internal: the database whose jobs pg_cron''s running scheduler reads (cron.database_name), NULL when no scheduler runs';

-- Raises a clear error unless pg_cron can schedule jobs for the caller in this database: installed
-- here (CREATE EXTENSION pg_cron), preloaded (shared_preload_libraries), this database being
-- cron.database_name, and the caller holding USAGE on schema cron.  what names the action.
CREATE OR REPLACE FUNCTION _catalog_require_cron(what text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    hint text := pg_catalog.format('Install pg_cron (Debian: apt-get install postgresql-15-cron), add shared_preload_libraries = ''pg_cron'' and cron.database_name = %L to postgresql.conf, restart PostgreSQL, then run CREATE EXTENSION pg_cron; in this database (and GRANT USAGE ON SCHEMA cron to the roles that schedule).',
                                   pg_catalog.current_database());
    db text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron') THEN
        RAISE EXCEPTION 'cannot %: pg_cron is not installed in this database', what
            USING ERRCODE = '55000',
                  DETAIL = 'Scheduled refreshes and alert evaluation run as pg_cron jobs; everything else works without it (refresh_preaggregate_incremental, evaluate_alerts by hand).',
                  HINT = hint;
    END IF;
    db := retail_kpi._catalog_cron_database();
    IF db IS NULL THEN
        RAISE EXCEPTION 'cannot %: pg_cron is installed in this database but its scheduler is not running', what
            USING ERRCODE = '55000',
                  DETAIL = 'pg_cron''s scheduler (the background worker "pg_cron launcher") runs only when the server preloads pg_cron (shared_preload_libraries).',
                  HINT = hint;
    END IF;
    IF db <> pg_catalog.current_database() THEN
        RAISE EXCEPTION 'cannot %: pg_cron runs the jobs of database %, not of this one', what, pg_catalog.quote_ident(db)
            USING ERRCODE = '55000',
                  DETAIL = 'pg_cron''s scheduler reads its jobs from the database named by cron.database_name only.',
                  HINT = hint;
    END IF;
    IF NOT pg_catalog.has_schema_privilege('cron', 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to %', what
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('Role %s has no USAGE privilege on schema cron (pg_cron''s own gate).',
                                             pg_catalog.quote_ident(current_user)),
                  HINT = pg_catalog.format('A superuser can grant it: GRANT USAGE ON SCHEMA cron TO %s;',
                                           pg_catalog.quote_ident(current_user));
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_require_cron(text) IS
    'internal: raises 55000 with the install hint unless pg_cron is installed, preloaded and runs the jobs of this database, 42501 without USAGE on schema cron';

-- Schedules (or reschedules) the caller's job of that name through pg_cron; a bad schedule is 22023.
CREATE OR REPLACE FUNCTION _catalog_cron_schedule(job_name text, schedule text, command text) RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id bigint;
BEGIN
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'argument "schedule" must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM retail_kpi._catalog_check_text(schedule, 'schedule', 100);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = current_user AND r.rolcanlogin) THEN
        RAISE EXCEPTION 'cannot schedule a job as role %: it cannot log in', pg_catalog.quote_ident(current_user)
            USING ERRCODE = '42501',
                  DETAIL = 'pg_cron runs a job as the role that scheduled it (the current role), and only roles with LOGIN can run jobs.',
                  HINT = 'Schedule it from a login role (RESET ROLE); for the alert rules of a group role, use schedule_alert_evaluation(schedule, owner => ''group'').';
    END IF;
    BEGIN
        EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO id USING job_name, schedule, command;
    EXCEPTION WHEN OTHERS THEN
        IF SQLERRM LIKE 'invalid schedule%' THEN
            RAISE EXCEPTION 'invalid value for argument "schedule": %', pg_catalog.quote_literal(schedule)
                USING ERRCODE = '22023',
                      DETAIL = 'pg_cron takes a cron schedule: five fields (minute hour day-of-month month day-of-week), for example ''*/5 * * * *'', or ''@daily''.';
        END IF;
        RAISE;
    END;
    RETURN id;
END
$$;
COMMENT ON FUNCTION _catalog_cron_schedule(text, text, text) IS
    'internal: schedules the calling role''s pg_cron job of that name (it runs as that role); 22023 for a bad schedule';

-- Unschedules the caller's own job of that name; false when it has none.
CREATE OR REPLACE FUNCTION _catalog_cron_unschedule(job_name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id bigint;
BEGIN
    -- filtered by username too: a superuser sees every role's jobs in cron.job
    EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname OPERATOR(pg_catalog.=) $1 AND j.username OPERATOR(pg_catalog.=) current_user'
        INTO id USING job_name;
    IF id IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1)' USING id;
    RETURN true;
END
$$;
COMMENT ON FUNCTION _catalog_cron_unschedule(text) IS 'internal: unschedules the calling role''s pg_cron job of that name';

-- ---------------------------------------------------------------------------------------------
-- Scheduled pre-aggregate refresh

-- The job name of a pre-aggregate's refresh.
CREATE OR REPLACE FUNCTION _preaggregate_job_name(code text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT 'retail_kpi.refresh.' || $1; $$;
COMMENT ON FUNCTION _preaggregate_job_name(text) IS 'internal: the pg_cron job name of a pre-aggregate''s refresh';

-- Schedules refresh_preaggregate_incremental(code) with pg_cron (job 'retail_kpi.refresh.<code>',
-- run as the caller's current role, which must be a login member of the pre-aggregate's owner role
-- or a steward; scheduling again changes the schedule).  Returns the pg_cron job id.
CREATE OR REPLACE FUNCTION schedule_preaggregate_refresh(code text, schedule text DEFAULT '*/5 * * * *') RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    p retail_kpi.preaggregates;
    caller regrole := retail_kpi.catalog_caller_id();
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    SELECT * INTO p FROM retail_kpi.preaggregates x WHERE x.code = code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pre-aggregate "%" does not exist', code
            USING ERRCODE = '42704', HINT = 'The pre-aggregates are listed in retail_kpi.preaggregate_status.';
    END IF;
    IF NOT retail_kpi._catalog_has_role(caller, p.owner) AND NOT retail_kpi._catalog_is_steward(caller) THEN
        RAISE EXCEPTION 'permission denied to schedule the refresh of pre-aggregate "%"', code
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('Only members of its owner role %s or of retail_kpi_admin may refresh it; %s is neither.',
                                             retail_kpi._catalog_role_label(p.owner), pg_catalog.quote_ident(retail_kpi.catalog_caller()));
    END IF;
    PERFORM retail_kpi._catalog_require_cron('schedule the refresh of pre-aggregate "' || code || '"');
    RETURN retail_kpi._catalog_cron_schedule(retail_kpi._preaggregate_job_name(code), schedule,
        pg_catalog.format('SELECT retail_kpi.refresh_preaggregate_incremental(%L)', code));
END
$$;
COMMENT ON FUNCTION schedule_preaggregate_refresh(text, text) IS
    'schedules the incremental refresh of a pre-aggregate with pg_cron (job retail_kpi.refresh.<code>, run as the calling role: owner role members or stewards); returns the job id';

-- Unschedules the caller's refresh job of a pre-aggregate (42704 when the caller has none).
CREATE OR REPLACE FUNCTION unschedule_preaggregate_refresh(code text) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_require_cron('unschedule the refresh of pre-aggregate "' || code || '"');
    IF NOT retail_kpi._catalog_cron_unschedule(retail_kpi._preaggregate_job_name(code)) THEN
        RAISE EXCEPTION 'role % has no scheduled refresh of pre-aggregate "%"', pg_catalog.quote_ident(current_user), code
            USING ERRCODE = '42704',
                  HINT = 'A job belongs to the role that scheduled it; the caller''s jobs are listed in retail_kpi.scheduled_jobs.';
    END IF;
END
$$;
COMMENT ON FUNCTION unschedule_preaggregate_refresh(text) IS
    'unschedules the calling role''s pg_cron job refreshing a pre-aggregate';

-- ---------------------------------------------------------------------------------------------
-- Alert events

ALTER TABLE alert_events ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS alert_events_visible ON alert_events;
-- an event holds data computed with its rule owner's rights: members of that role see it (and
-- superusers), not every reader of the rule's definition
CREATE POLICY alert_events_visible ON alert_events FOR SELECT TO PUBLIC
    USING (retail_kpi._catalog_has_role((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user), rule_owner));

-- Stores the firings of the caller's own rules (as check_alerts returns them, a jsonb array) as alert
-- events, once per rule x period x members, and sends NOTIFY retail_kpi_alerts for each new one
-- (payload: event id, rule, period; no data).  Error rows are not stored: they raise a WARNING and are
-- returned with a NULL event_id.  SECURITY DEFINER (writes the catalog table); refuses rows of rules
-- not owned by the caller's current role (42501).
CREATE OR REPLACE FUNCTION _catalog_store_alert_events(fired jsonb)
RETURNS TABLE(event_id bigint, is_new boolean, rule text, severity text, period_start date, members jsonb,
              value float8, threshold numeric, message text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    caller regrole := retail_kpi.catalog_caller_id();
    f record;
    r retail_kpi.alert_rules;
    id bigint;
BEGIN
    IF fired IS NULL OR jsonb_typeof(fired) <> 'array' THEN
        RAISE EXCEPTION 'argument "fired" must be a jsonb array' USING ERRCODE = '22023';
    END IF;
    FOR f IN SELECT * FROM jsonb_to_recordset(fired) AS x(rule text, metric text, severity text, condition text,
                                                         period_start date, dimension_values jsonb, value float8,
                                                         reference float8, threshold numeric, message text) LOOP
        SELECT * INTO r FROM retail_kpi.alert_rules a WHERE a.code = f.rule;
        IF NOT FOUND OR r.owner <> caller THEN
            RAISE EXCEPTION 'permission denied to store an event of alert rule "%"', f.rule
                USING ERRCODE = '42501',
                      DETAIL = 'Events are stored only for the rules owned by the current role, by evaluate_alerts().';
        END IF;
        IF f.severity = 'error' THEN
            RAISE WARNING 'alert rule "%" was not evaluated: %', f.rule, f.message;
            RETURN QUERY SELECT NULL::bigint, false, f.rule, f.severity, f.period_start, f.dimension_values,
                                f.value, f.threshold, f.message;
            CONTINUE;
        END IF;
        IF f.period_start IS NULL THEN
            RAISE EXCEPTION 'an event of alert rule "%" has no period', f.rule USING ERRCODE = '22004';
        END IF;
        INSERT INTO retail_kpi.alert_events AS e (rule, period_start, members, metric, severity, condition, value,
                                                  reference, threshold, message, rule_owner, evaluated_by)
        VALUES (f.rule, f.period_start, coalesce(f.dimension_values, '{}'), f.metric, f.severity, f.condition, f.value,
                f.reference, f.threshold, f.message, caller, session_user)
        ON CONFLICT ON CONSTRAINT alert_events_once DO NOTHING
        RETURNING e.id INTO id;
        IF id IS NOT NULL THEN
            PERFORM pg_catalog.pg_notify('retail_kpi_alerts',
                jsonb_build_object('event_id', id, 'rule', f.rule, 'period_start', f.period_start)::text);
            RETURN QUERY SELECT id, true, f.rule, f.severity, f.period_start, coalesce(f.dimension_values, '{}'),
                                f.value, f.threshold, f.message;
        ELSE
            RETURN QUERY SELECT e.id, false, e.rule, e.severity, e.period_start, e.members, e.value, e.threshold, e.message
                         FROM retail_kpi.alert_events e
                         WHERE e.rule = f.rule AND e.period_start = f.period_start
                           AND e.members = coalesce(f.dimension_values, '{}');
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION _catalog_store_alert_events(jsonb) IS
    'internal: stores firings of the current role''s own alert rules as events (once per rule, period and members) and notifies retail_kpi_alerts';

-- Evaluates the enabled alert rules owned by the caller's current role (as check_alerts(as_of) does,
-- with its rights, R5) and stores what fires as alert events, once per rule x period x members;
-- each new event is pushed with NOTIFY retail_kpi_alerts.  Returns every firing with its event id and
-- whether it is new; a failing rule gives a row of severity error (and a WARNING), not an event.
-- What a scheduled alert job runs.  Everyone (only their own rules).
CREATE OR REPLACE FUNCTION evaluate_alerts(as_of date DEFAULT CURRENT_DATE)
RETURNS TABLE(event_id bigint, is_new boolean, rule text, severity text, period_start date, members jsonb,
              value float8, threshold numeric, message text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    fired jsonb;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'argument "as_of" must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT coalesce(jsonb_agg(to_jsonb(c)), '[]') INTO fired FROM retail_kpi.check_alerts(as_of) c;
    RETURN QUERY SELECT * FROM retail_kpi._catalog_store_alert_events(fired);
END
$$;
COMMENT ON FUNCTION evaluate_alerts(date) IS
    'evaluates the current role''s enabled alert rules on the last complete period before as_of and stores what fires as alert events (once per rule, period and members), with NOTIFY retail_kpi_alerts for each new one';

-- ---------------------------------------------------------------------------------------------
-- Scheduled alert evaluation

-- The job name of the alert evaluation of a role.
CREATE OR REPLACE FUNCTION _catalog_alert_job_name(owner oid) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT 'retail_kpi.alerts.' || coalesce((SELECT r.rolname::text FROM pg_catalog.pg_roles r WHERE r.oid = $1), $1::text);
$$;
COMMENT ON FUNCTION _catalog_alert_job_name(oid) IS 'internal: the pg_cron job name of the alert evaluation of a role';

-- Schedules evaluate_alerts() with pg_cron for the rules of owner (default: the caller's current
-- role): job 'retail_kpi.alerts.<owner>', run as the caller's current role (a login role); for a
-- group role the caller is a member of, the job's command first does SET ROLE to it, so the rules
-- run with the group's rights only.  Scheduling again changes the schedule.  Returns the job id.
CREATE OR REPLACE FUNCTION schedule_alert_evaluation(schedule text DEFAULT '0 * * * *', owner text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    caller regrole := retail_kpi.catalog_caller_id();
    o regrole;
    command text := 'SELECT pg_catalog.count(*) FROM retail_kpi.evaluate_alerts()';
BEGIN
    o := CASE WHEN owner IS NULL THEN caller ELSE retail_kpi._catalog_role(owner, 'owner') END;
    IF o <> caller THEN
        IF NOT retail_kpi._catalog_has_role(caller, o) THEN
            RAISE EXCEPTION 'permission denied to schedule the alert evaluation of role %', pg_catalog.quote_ident(owner)
                USING ERRCODE = '42501',
                      DETAIL = 'A job evaluates the rules of a role with that role''s rights: only its members may schedule it.';
        END IF;
        command := pg_catalog.format('SET ROLE %I; ', (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = o)) || command;
    END IF;
    PERFORM retail_kpi._catalog_require_cron('schedule alert evaluation');
    RETURN retail_kpi._catalog_cron_schedule(retail_kpi._catalog_alert_job_name(o), schedule, command);
END
$$;
COMMENT ON FUNCTION schedule_alert_evaluation(text, text) IS
    'schedules evaluate_alerts() with pg_cron for the rules of a role (default the caller''s current role; a group role with SET ROLE), run as the calling login role; returns the job id';

-- Unschedules the caller's alert evaluation job for owner (default: its current role).
CREATE OR REPLACE FUNCTION unschedule_alert_evaluation(owner text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    o regrole := CASE WHEN owner IS NULL THEN retail_kpi.catalog_caller_id() ELSE retail_kpi._catalog_role(owner, 'owner') END;
BEGIN
    PERFORM retail_kpi._catalog_require_cron('unschedule alert evaluation');
    IF NOT retail_kpi._catalog_cron_unschedule(retail_kpi._catalog_alert_job_name(o)) THEN
        RAISE EXCEPTION 'role % has no scheduled alert evaluation for role %', pg_catalog.quote_ident(current_user),
                        retail_kpi._catalog_role_label(o)
            USING ERRCODE = '42704',
                  HINT = 'A job belongs to the role that scheduled it; the caller''s jobs are listed in retail_kpi.scheduled_jobs.';
    END IF;
END
$$;
COMMENT ON FUNCTION unschedule_alert_evaluation(text) IS
    'unschedules the calling role''s pg_cron job evaluating the alert rules of a role (default its current role)';

-- ---------------------------------------------------------------------------------------------
-- The jobs

-- The extension's pg_cron jobs the caller may see (pg_cron's row-level security: its own, all for a
-- superuser) with their last run; no rows without pg_cron or without USAGE on schema cron.
CREATE OR REPLACE FUNCTION _catalog_cron_jobs()
RETURNS TABLE(jobid bigint, jobname text, kind text, target text, schedule text, command text, username text,
              active boolean, last_status text, last_start timestamptz, last_end timestamptz, last_message text)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron')
       OR NOT pg_catalog.has_schema_privilege('cron', 'USAGE') THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        SELECT j.jobid, j.jobname::text,
               CASE WHEN j.jobname LIKE 'retail\_kpi.refresh.%' THEN 'refresh' ELSE 'alerts' END,
               pg_catalog.substr(j.jobname, CASE WHEN j.jobname LIKE 'retail\_kpi.refresh.%' THEN 20 ELSE 19 END),
               j.schedule, j.command, j.username::text, j.active,
               r.status, r.start_time, r.end_time, r.return_message
        FROM cron.job j
        LEFT JOIN LATERAL (SELECT d.status, d.start_time, d.end_time, d.return_message FROM cron.job_run_details d
                           WHERE d.jobid OPERATOR(pg_catalog.=) j.jobid ORDER BY d.runid DESC LIMIT 1) r ON true
        WHERE j.jobname LIKE 'retail\_kpi.refresh.%' OR j.jobname LIKE 'retail\_kpi.alerts.%'
        ORDER BY j.jobname, j.username $q$;
END
$$;
COMMENT ON FUNCTION _catalog_cron_jobs() IS 'internal: the extension''s pg_cron jobs the caller may see, read through dynamic SQL (no dependency on pg_cron)';

CREATE OR REPLACE VIEW scheduled_jobs AS SELECT * FROM retail_kpi._catalog_cron_jobs();
COMMENT ON VIEW scheduled_jobs IS
    'the extension''s pg_cron jobs (refresh of a pre-aggregate, alert evaluation of a role) the caller may see (its own; all for a superuser), with their last run; empty without pg_cron';
GRANT SELECT ON scheduled_jobs TO PUBLIC;
