-- The runtime role could create temporary tables, views and functions, as
-- every role can by default (TEMPORARY is granted to PUBLIC). PostgreSQL
-- searches a session's temporary schema before public for tables and views,
-- so SQL injected into one request could create a temporary view named
-- `skills` on its pooled connection that stood in for the table in the next
-- request there, another tenant's, and call temporary functions from
-- statements it prepared (packages/db/test/connection-residue.test.ts).
-- withTenant now discards temporary objects after every transaction; this
-- takes the privilege away as well. Nothing the server runs creates
-- temporary objects. The database's owner keeps TEMPORARY (an owner's
-- rights do not come from PUBLIC).
do $$
begin
  execute pg_catalog.format('revoke temporary on database %I from public', pg_catalog.current_database());
end
$$;
