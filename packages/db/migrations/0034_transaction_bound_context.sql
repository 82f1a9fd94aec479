-- A tenant context bound to the one transaction it was signed for.
--
-- Until now a context was accepted in any transaction that began within
-- about 2 s of its issue (0022). That window did not stop a copy: the
-- runtime role sees the text of its own role's other sessions' latest
-- statements in pg_stat_activity, and withTenant sent the signed context as
-- a literal, so one injected statement in tenant A's request could read
-- tenant B's context from a concurrent request and replay it at once
-- (packages/db/test/context-theft.test.ts). Now the server signs the
-- context after BEGIN has told it which backend runs the transaction and
-- when the transaction began (pg_backend_pid(), now() in microseconds), and
-- sends it as a bind parameter, which pg_stat_activity does not show. A
-- copy fails on any other backend, and on the same backend in any later
-- transaction (now() differs), whenever it is replayed.
create or replace function platform.context_claims() returns jsonb
language plpgsql stable as $$
declare
  token text := pg_catalog.current_setting('app.context', true);
  separator integer;
  payload text;
  secret bytea;
  claims jsonb;
begin
  if token is null or token = '' then
    return null;
  end if;
  -- <key id>:<hex HMAC-SHA256 of the payload>:<payload, JSON>. The key id is
  -- checked with translate (a regular expression cost more than the HMAC);
  -- the MAC is never decoded, only compared as text with the one computed
  -- here, so it needs no check of its own (that check was a fifth of this
  -- function's time).
  separator := pg_catalog.strpos(token, ':');
  if separator not between 2 and 10
     or pg_catalog.translate(pg_catalog.substr(token, 1, separator - 1), '0123456789', '') <> ''
     or pg_catalog.substr(token, separator + 65, 1) <> ':' then
    raise exception 'app.context does not hold a tenant context issued by the server'
      using errcode = 'insufficient_privilege',
            hint = 'Only withTenant sets app.context; open tenant transactions through it.';
  end if;
  payload := pg_catalog.substr(token, separator + 66);
  select k.secret into secret from platform.context_keys k
  where k.id = pg_catalog.substr(token, 1, separator - 1)::integer and k.retired_at is null;
  if secret is null then
    raise exception 'the tenant context is signed with key %, which this database does not hold or has retired',
        pg_catalog.substr(token, 1, separator - 1)
      using errcode = 'insufficient_privilege',
            hint = 'Give the server the current key: SKILLHUB_CONTEXT_KEY, or let it read platform.context_keys as the owner.';
  end if;
  if pg_catalog.encode(public.hmac(pg_catalog.convert_to(payload, 'UTF8'), secret, 'sha256'), 'hex')
     <> pg_catalog.substr(token, separator + 1, 64) then
    raise exception 'the tenant context does not verify: it was not signed with key %',
        pg_catalog.substr(token, 1, separator - 1)
      using errcode = 'insufficient_privilege',
            hint = 'A context is signed by the server; it cannot be written or edited in SQL.';
  end if;
  claims := payload::jsonb;
  -- p: the backend that runs the transaction; s: the transaction's start, in
  -- microseconds since the epoch. Both as text, compared exactly.
  if claims ->> 'p' is distinct from pg_catalog.pg_backend_pid()::text
     or claims ->> 's' is distinct from (extract(epoch from pg_catalog.now()) * 1000000)::bigint::text then
    raise exception 'the tenant context was issued for another transaction (backend %, begun at % µs), not this one',
        claims ->> 'p', claims ->> 's'
      using errcode = 'insufficient_privilege',
            hint = 'A context is valid only in the transaction it was signed for: withTenant signs one per transaction.';
  end if;
  return claims;
end
$$;
