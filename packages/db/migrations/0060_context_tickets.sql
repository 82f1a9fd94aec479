-- A tenant context that needs no round trip of its own (issue 13).
--
-- Since 0034 a context names the transaction it is valid in by the backend
-- and the start time BEGIN reports, so every tenant transaction paid a round
-- trip for BEGIN alone before its context could be signed. Now a session is
-- issued a ticket at the end of each transaction, in the round trip that
-- ends it (withTenant's cleanup after COMMIT or ROLLBACK): the next value of
-- an unlogged sequence, which the server signs into the next transaction's
-- context on that connection (claims n and b). BEGIN, the context and the
-- first statement then leave together.
--
-- Why a ticket binds the context as tightly as the start time did. The
-- value a context names must be this session's current ticket
-- (currval: per session, untouched by rollback); the server signs a ticket
-- into the context of the one transaction that follows its drawing, and
-- draws the next as that transaction ends (a connection whose ending fails is
-- closed, not reused), so a signed ticket is current for exactly one
-- transaction of the server's. The runtime role cannot set
-- a session's ticket: it may only draw the sequence's next value (which
-- moves its own session past every ticket ever signed), never set it, and
-- values never repeat while the
-- server runs; b, the server's start, retires every ticket signed before a
-- restart or a crash (after which an unlogged sequence starts over). A copy
-- of a context therefore opens nothing on another backend, nor on the same
-- one once its transaction has ended, as before.
--
-- The 0034 binding (claim s) stays for every transaction that begins with
-- the bound BEGIN: a connection's first, every one behind a transaction-mode
-- pooler (another backend each time, so no ticket can be known in advance),
-- and the server's workers.
create unlogged sequence platform.context_ticket;
--> statement-breakpoint
alter sequence platform.context_ticket owner to skillhub_system;
--> statement-breakpoint
revoke all on sequence platform.context_ticket from public;
--> statement-breakpoint
-- The runtime role draws its session's next ticket itself (nextval at the
-- end of each transaction, with the connection's cleanup): USAGE allows
-- nextval and currval, never setval (UPDATE) or ALTER SEQUENCE (the owner).
-- A function around nextval would cost a definer call, a search_path
-- change and a parse of its body at every transaction's end.
grant usage on sequence platform.context_ticket to skillhub_app;
--> statement-breakpoint
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
  -- p: the backend that runs the transaction. Then either s, the
  -- transaction's start in microseconds since the epoch (BEGIN reported it),
  -- or n and b, the ticket this session was issued at the end of its last
  -- transaction and the server's start in microseconds (the ticket's
  -- sequence is unlogged and starts over after a crash; a restart changes
  -- b). All as text, compared exactly.
  if claims ->> 'p' is distinct from pg_catalog.pg_backend_pid()::text then
    raise exception 'the tenant context was issued for another transaction (on backend %), not this one', claims ->> 'p'
      using errcode = 'insufficient_privilege',
            hint = 'A context is valid only in the transaction it was signed for: withTenant signs one per transaction.';
  end if;
  if claims ? 'n' then
    if claims ->> 'b' is distinct from
         (extract(epoch from pg_catalog.pg_postmaster_start_time()) * 1000000)::bigint::text
       or claims ->> 'n' is distinct from pg_catalog.currval('platform.context_ticket'::pg_catalog.regclass)::text then
      raise exception 'the tenant context was issued for another transaction (ticket %, no longer this session''s), not this one',
          claims ->> 'n'
        using errcode = 'insufficient_privilege',
              hint = 'A context is valid only in the transaction it was signed for: withTenant signs one per transaction.';
    end if;
  elsif claims ->> 's' is distinct from (extract(epoch from pg_catalog.now()) * 1000000)::bigint::text then
    raise exception 'the tenant context was issued for another transaction (begun at % µs), not this one',
        claims ->> 's'
      using errcode = 'insufficient_privilege',
            hint = 'A context is valid only in the transaction it was signed for: withTenant signs one per transaction.';
  end if;
  return claims;
end
$$;
