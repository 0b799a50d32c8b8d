-- Undoes a whole write of a workflow action that met a change it could not see coming.
-- A transition is one statement of data-modifying CTEs, written only if the case is still at
-- the version the action read. Should a task then miss its own version check (nothing that
-- bumps a task leaves its case's version alone, so this is a second guard), the statement's
-- last expression calls this, and the error takes every part of the statement back with it.
-- 40001 (serialization_failure): the same class as a change that got there first.
CREATE OR REPLACE FUNCTION sopbot_concurrent_change(detail text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'sopbot: concurrent change', DETAIL = detail;
END
$$;
