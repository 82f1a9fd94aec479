-- Cached credentials renewed in one statement per interval instead of one
-- resolution each.
--
-- A server serves a resolved API key or session from memory for at most its
-- staleness bound (5 s by default) should a change announcement (0027) be
-- missed. At the bound every credential in use was resolved again, one call
-- per credential: at 1,000 workspaces 0.37 of the requests reached the
-- database for it. These two functions answer the same questions for many
-- credentials at once, so a server renews everything it served in the last
-- interval with one statement; a credential the answer leaves out is
-- dropped, and its next request is resolved (and refused, and recorded) as
-- before.
--
-- They write nothing and record nothing: a session past its end or idle
-- timeout is only left out, and ended by resolve_session when it is next
-- used, as before. Like the resolvers, they find credentials by their
-- token hashes only (a caller must know the credential). PL/pgSQL, as the
-- resolvers: a Citus coordinator cannot plan an SQL function with
-- parameters over its tables (checkCitusSqlFunctions).

create function platform.renew_api_keys(key_hashes text[])
returns table (key_hash text, tenant_id text, tenant_slug text, key_id uuid, scopes text[], created_by uuid,
  tenant_active boolean, expires_at timestamptz)
language plpgsql stable security definer set search_path = '' as $$
begin
  return query select k.key_hash, k.tenant_id, t.slug, k.id, k.scopes, k.created_by, t.is_active, k.expires_at
    from public.api_keys k join public.tenants t on t.id = k.tenant_id
    where k.key_hash = any (renew_api_keys.key_hashes) and k.revoked_at is null
      and (k.expires_at is null or k.expires_at > pg_catalog.now());
end
$$;
--> statement-breakpoint
alter function platform.renew_api_keys(text[]) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.renew_api_keys(text[]) from public;
--> statement-breakpoint
grant execute on function platform.renew_api_keys(text[]) to skillhub_app;
--> statement-breakpoint
-- `seen` pairs each hash with the activity the server saw and has not
-- written yet (or null), judged as resolve_session judges it.
create function platform.renew_sessions(token_hashes text[], seen timestamptz[])
returns table (token_hash text, tenant_id text, tenant_slug text, session_id uuid, user_id uuid, role text,
  mfa_pending boolean, tenant_active boolean, user_active boolean, last_ip inet, last_activity_at timestamptz,
  idle_timeout interval, expires_at timestamptz)
language plpgsql stable security definer set search_path = '' as $$
begin
  return query select s.token_hash, s.tenant_id, t.slug, s.id, s.user_id, u.role, s.mfa_pending, t.is_active, u.is_active,
      s.last_ip, a.active_at, s.idle_timeout, s.expires_at
    from rows from (pg_catalog.unnest(renew_sessions.token_hashes), pg_catalog.unnest(renew_sessions.seen))
        c(token_hash, seen)
      join public.user_sessions s on s.token_hash = c.token_hash and s.terminated_at is null
      cross join lateral (select greatest(s.last_activity_at,
          least(coalesce(c.seen, s.last_activity_at), pg_catalog.now())) as active_at) a
      join public.users u on u.tenant_id = s.tenant_id and u.id = s.user_id
      join public.tenants t on t.id = u.tenant_id
    where s.expires_at > pg_catalog.now() and a.active_at + s.idle_timeout > pg_catalog.now();
end
$$;
--> statement-breakpoint
alter function platform.renew_sessions(text[], timestamptz[]) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.renew_sessions(text[], timestamptz[]) from public;
--> statement-breakpoint
grant execute on function platform.renew_sessions(text[], timestamptz[]) to skillhub_app;
