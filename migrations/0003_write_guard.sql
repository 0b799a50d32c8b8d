-- Undoes a whole write of a workflow action when the case changed since the action read it.
-- A transition is one statement of data-modifying CTEs; when its guarded case update finds a
-- newer version, its last expression calls this, and the error takes every part of the
-- statement back with it. 40001 (serialization_failure): the caller reads again and retries.
CREATE OR REPLACE FUNCTION sopbot_concurrent_change(detail text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'sopbot: concurrent change', DETAIL = detail;
END
$$;
