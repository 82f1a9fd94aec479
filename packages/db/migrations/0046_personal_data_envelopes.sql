-- Personal data in the ledger, encrypted per data subject (crypto-shredding).
--
-- A ledger that never changes cannot forget a person by deleting rows: the
-- hash chain and the Merkle tree would break. So personal values (emails,
-- names, IP addresses, user agents, devices) never reach an audit row in
-- clear: in the same transaction as the change, a BEFORE INSERT trigger on
-- audit_logs moves them out of old_record / new_record / metadata /
-- ip_address into `personal`, an envelope encrypted under a key of the data
-- subject the values belong to, and names the event's subject in
-- `subject_id`. The leaf hash commits to the envelope (the canonical text
-- below appends it), so the ledger proves the ciphertext was never changed.
-- Erasing a subject destroys its key (0047): the envelope stays, the chain
-- and the tree still verify, and nobody can read the values again.
--
-- A subject is a person, named one of two ways (audit.subject_of):
--   user:<uuid>         an account of the workspace (users.id);
--   email:<64 hex>      a person known only by an email address (a failed
--                       sign-in with an unknown email, an invitee): HMAC-
--                       SHA256 of the address, trimmed and lower-cased,
--                       under a deployment secret the runtime role cannot
--                       read, so the subject id in a row is no readable
--                       email and an erasure record can name it.
-- Ids of accounts, skills and keys stay in clear: they are pseudonyms whose
-- meaning (a name, an email) lives in rows that erasure removes.
--
-- Envelope (`personal`, jsonb), one entry per subject whose values the row
-- holds (an admin's change to another member's row holds the member's email
-- and the admin's IP, so two):
--   {"<subject>": {"key": "<key uuid>", "fields": [["new_record", "email"], ["ip_address"]],
--                  "data": "<base64 OpenPGP message>"}}
-- `fields` names (not values) what was moved, so a reader can show each
-- field as erased once the key is gone; the message holds the values as a
-- jsonb array of [path, value] pairs, in the order of `fields`.
--
-- Cipher, chosen by measurement (PostgreSQL 15, 20,000 envelopes of ~130
-- bytes, same run): pgcrypto's pgp_sym_encrypt with cipher-algo=aes256,
-- s2k-mode=1 (salted, not iterated), compress-algo=0 took ~5.7 µs per
-- envelope; s2k-mode=0 ~5.0 µs; the default iterated S2K ~187 µs (a
-- password-stretching cost that buys nothing for a random 256-bit key); AES-
-- CBC through encrypt_iv plus an HMAC-SHA256 tag ~7.8 µs and a construction
-- of our own making. OpenPGP gives confidentiality (AES-256, random prefix
-- per message) and integrity (its modification detection code, checked by
-- pgp_sym_decrypt), and the leaf hash commits to the ciphertext besides.
-- Compression stays off: compressing secrets next to attacker-chosen text
-- leaks through length.
--
-- pgcrypto is the one migration 0001 created in schema public, which 0010,
-- 0022 and 0034 call as public.*; moving it into a schema of its own would
-- break those functions, so this migration uses it where it is.

-- The keys, one per subject and workspace (chain '' is the system chain,
-- as in audit.seals). No grant to the runtime role: only skillhub_system,
-- through the SECURITY DEFINER functions below, reads or writes a key. The
-- tenant policy is there as on every tenant table, a second wall should a
-- grant ever slip in.
create table audit.subject_keys (
  key_id uuid not null default gen_random_uuid(),
  tenant_id text not null,
  subject text not null,
  secret bytea not null default public.gen_random_bytes(32),
  created_at timestamptz not null default now(),
  constraint subject_keys_pkey primary key (tenant_id, key_id),
  constraint subject_keys_tenant_id_subject_key unique (tenant_id, subject),
  constraint subject_keys_subject_check check (subject ~ '^(user:[0-9a-f-]{36}|email:[0-9a-f]{64})$'),
  constraint subject_keys_secret_check check (pg_catalog.octet_length(secret) = 32)
);
--> statement-breakpoint
revoke all on audit.subject_keys from public;
--> statement-breakpoint
alter table audit.subject_keys enable row level security;
--> statement-breakpoint
alter table audit.subject_keys force row level security;
--> statement-breakpoint
create policy tenant_isolation on audit.subject_keys as permissive for all to public
  using (tenant_id = (select platform.current_tenant_id()))
  with check (tenant_id = (select platform.current_tenant_id()));
--> statement-breakpoint
grant select, insert, delete on audit.subject_keys to skillhub_system;
--> statement-breakpoint
grant select on user_sessions to skillhub_system;
--> statement-breakpoint
-- The deployment's secret for email subjects (one row).
create table audit.subject_secret (
  singleton boolean not null default true,
  secret bytea not null default public.gen_random_bytes(32),
  constraint subject_secret_pkey primary key (singleton),
  constraint subject_secret_singleton_check check (singleton)
);
--> statement-breakpoint
revoke all on audit.subject_secret from public;
--> statement-breakpoint
-- Before row security is forced: a migration owner that is not a superuser is bound by it too.
insert into audit.subject_secret default values;
--> statement-breakpoint
alter table audit.subject_secret enable row level security;
--> statement-breakpoint
alter table audit.subject_secret force row level security;
--> statement-breakpoint
grant select on audit.subject_secret to skillhub_system;
--> statement-breakpoint
-- The subject id of a user id or an email address; null for anything else.
create function audit.subject_of(kind text, value text) returns text
language sql stable security definer set search_path = '' as $$
  select case
    when kind = 'user' and value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then 'user:' || pg_catalog.lower(value)
    when kind = 'email' and pg_catalog.strpos(pg_catalog.btrim(value), '@') > 1
      then 'email:' || pg_catalog.encode(public.hmac(pg_catalog.convert_to(pg_catalog.lower(pg_catalog.btrim(value)), 'UTF8'),
                                                     (select s.secret from audit.subject_secret s), 'sha256'), 'hex')
  end
$$;
--> statement-breakpoint
alter function audit.subject_of(text, text) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.subject_of(text, text) from public;
--> statement-breakpoint
-- Every column of every tracked table has a class: personal (encrypted per
-- subject), ordinary (copied as it is) or secret (never copied: the
-- table's redacted columns). The doctor fails on a tracked column without
-- one, so a new `phone` column cannot slip into the ledger in clear.
create table audit.column_classes (
  relid regclass not null,
  column_name text not null,
  class text not null,
  constraint column_classes_pkey primary key (relid, column_name),
  constraint column_classes_class_check check (class in ('personal', 'ordinary', 'secret'))
);
--> statement-breakpoint
-- The column naming the subject of a tracked table's personal columns.
create table audit.subject_columns (
  relid regclass not null,
  column_name text not null,
  kind text not null,
  constraint subject_columns_pkey primary key (relid),
  constraint subject_columns_kind_check check (kind in ('user', 'email'))
);
--> statement-breakpoint
-- Keys of application events' metadata (audit.record_event and the
-- security-event functions) whose values are personal.
create table audit.personal_metadata_keys (
  key text not null,
  constraint personal_metadata_keys_pkey primary key (key)
);
--> statement-breakpoint
revoke all on audit.column_classes, audit.subject_columns, audit.personal_metadata_keys from public;
--> statement-breakpoint
grant select on audit.column_classes, audit.subject_columns, audit.personal_metadata_keys to skillhub_system;
--> statement-breakpoint
-- Classifies columns of a table (idempotent; calling again changes the class).
create function audit.classify_columns(target regclass, class text, columns text[]) returns void
language plpgsql set search_path = '' as $$
begin
  if exists (select from pg_catalog.unnest(columns) c
             where not exists (select from pg_catalog.pg_attribute a
                               where a.attrelid = target and a.attname = c and a.attnum > 0 and not a.attisdropped)) then
    raise exception 'cannot classify columns % of %: not all of them exist', columns, target
      using errcode = 'undefined_column';
  end if;
  insert into audit.column_classes as k (relid, column_name, class)
  select target, c, class from pg_catalog.unnest(columns) c
  on conflict (relid, column_name) do update set class = excluded.class;
end
$$;
--> statement-breakpoint
-- Names the column whose value is the subject of a table's personal columns.
create function audit.set_subject_column(target regclass, column_name text, kind text) returns void
language plpgsql set search_path = '' as $$
begin
  if not exists (select from pg_catalog.pg_attribute a where a.attrelid = target and a.attname = column_name
                 and a.attnum > 0 and not a.attisdropped) then
    raise exception 'cannot name % of % as the subject: no such column', column_name, target
      using errcode = 'undefined_column';
  end if;
  insert into audit.subject_columns as s (relid, column_name, kind) values (target, column_name, kind)
  on conflict (relid) do update set column_name = excluded.column_name, kind = excluded.kind;
end
$$;
--> statement-breakpoint
revoke all on function audit.classify_columns(regclass, text, text[]),
  audit.set_subject_column(regclass, text, text) from public;
--> statement-breakpoint
-- The classes of the tables tracked today. Secret is what each is redacted by.
select audit.classify_columns(t.relid, 'secret', t.redact) from audit.tracked_tables t;
--> statement-breakpoint
select audit.classify_columns('users', 'personal', array['email', 'display_name']),
       audit.set_subject_column('users', 'id', 'user'),
       audit.classify_columns('users', 'ordinary', array['id', 'tenant_id', 'role', 'is_active', 'mfa_enabled',
         'created_at', 'updated_at', 'mfa_last_used_step']),
       audit.classify_columns('invitations', 'personal', array['email']),
       audit.set_subject_column('invitations', 'email', 'email'),
       audit.classify_columns('invitations', 'ordinary', array['tenant_id', 'id', 'role', 'invited_by', 'created_at',
         'expires_at', 'accepted_at', 'accepted_user_id', 'revoked_at']),
       audit.classify_columns('api_keys', 'ordinary', array['id', 'name', 'prefix', 'scopes', 'created_by',
         'last_used_at', 'revoked_at', 'created_at', 'tenant_id', 'expires_at']),
       audit.classify_columns('audit_sinks', 'ordinary', array['tenant_id', 'id', 'name', 'kind', 'url', 'format',
         'created_by', 'created_at', 'updated_at']),
       audit.classify_columns('platform.deployment_sink', 'ordinary', array['singleton', 'url', 'format', 'from_leaf',
         'paused_at', 'paused_reason', 'created_at', 'updated_at']),
       audit.classify_columns('ratings', 'ordinary', array['id', 'skill_id', 'user_id', 'score', 'created_at',
         'updated_at', 'tenant_id']),
       audit.classify_columns('site_settings', 'ordinary', array['id', 'display_name', 'logo_url', 'default_visibility',
         'settings', 'updated_at', 'tenant_id']),
       audit.classify_columns('skill_embeddings', 'ordinary', array['id', 'skill_id', 'model', 'embedding',
         'updated_at', 'tenant_id']),
       audit.classify_columns('skill_reviews', 'ordinary', array['id', 'skill_id', 'reviewer_id', 'status', 'notes',
         'created_at', 'updated_at', 'tenant_id']),
       audit.classify_columns('skill_versions', 'ordinary', array['id', 'skill_id', 'version', 'content', 'changelog',
         'created_by', 'created_at', 'tenant_id']),
       audit.classify_columns('skills', 'ordinary', array['id', 'slug', 'name', 'description', 'content', 'tags',
         'author_id', 'visibility', 'latest_version', 'rating_count', 'rating_sum', 'created_at', 'updated_at',
         'tenant_id']),
       audit.classify_columns('usage_events', 'ordinary', array['id', 'skill_id', 'user_id', 'api_key_id', 'source',
         'occurred_at', 'tenant_id']);
--> statement-breakpoint
-- Metadata keys the application and the security-event functions write
-- with a person's data: addresses, names, what a browser says of itself.
insert into audit.personal_metadata_keys (key)
values ('email'), ('display_name'), ('user_agent'), ('userAgent'), ('device'), ('device_name'), ('fingerprint'), ('ip'),
       ('location');
--> statement-breakpoint
alter table audit_logs add column personal jsonb;
--> statement-breakpoint
alter table audit_logs add column subject_id text;
--> statement-breakpoint
-- The key of a subject in a chain, made on first use. Two writers making
-- the same subject's first key meet on the unique constraint: the loser
-- reads the winner's (read committed gives each statement a new snapshot).
create function audit.subject_key(chain text, subject text) returns audit.subject_keys
language plpgsql security definer set search_path = '' as $$
declare
  k audit.subject_keys;
begin
  select * into k from audit.subject_keys s where s.tenant_id = chain and s.subject = subject_key.subject;
  if found then
    return k;
  end if;
  insert into audit.subject_keys as s (tenant_id, subject) values (chain, subject_key.subject)
  on conflict on constraint subject_keys_tenant_id_subject_key do nothing
  returning s.* into k;
  if k.key_id is null then
    select * into k from audit.subject_keys s where s.tenant_id = chain and s.subject = subject_key.subject;
  end if;
  return k;
end
$$;
--> statement-breakpoint
alter function audit.subject_key(text, text) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.subject_key(text, text) from public;
--> statement-breakpoint
-- Moves an event's personal values into its envelope, encrypted per
-- subject. Captured changes: the table's personal columns, for the subject
-- its subject column names (the old row's, so that a change of the column
-- itself stays with the person it was about). Application events: the
-- personal metadata keys, for the person the event is about (metadata
-- user_id, else metadata email, else a `user` resource, else the owner of
-- a `session` resource). The IP address is
-- the acting user's when a user acts, else the event's subject's; an event
-- with no person (a system job, an API key's call about no one) keeps it in
-- clear.
create function audit.encrypt_personal_fields() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  chain text := coalesce(new.tenant_id, '');
  columns text[];
  subject_column text;
  subject_kind text;
  subject_value text;
  row_subject text;
  actor_subject text;
  ip_subject text;
  keys text[];
  -- [subject, [part, name], value] per personal value, gathered set-based.
  moved jsonb := '[]';
  s text;
  k audit.subject_keys;
  envelope jsonb := '{}';
begin
  -- A user id names its subject directly; only an email needs the HMAC door.
  if new.actor_type = 'user' and new.actor_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    actor_subject := 'user:' || pg_catalog.lower(new.actor_id);
  end if;
  if new.table_name is not null then
    select pg_catalog.array_agg(cc.column_name::text), max(sc.column_name), max(sc.kind)
      into columns, subject_column, subject_kind
    from audit.tracked_tables t
    join pg_catalog.pg_class c on c.oid = t.relid::oid
    join audit.column_classes cc on cc.relid = t.relid and cc.class = 'personal'
    left join audit.subject_columns sc on sc.relid = t.relid
    where c.relname = new.table_name;
    if columns is not null then
      subject_value := coalesce(new.old_record, new.new_record) ->> subject_column;
      row_subject := case when subject_kind = 'user' and subject_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                            then 'user:' || pg_catalog.lower(subject_value)
                          when subject_kind = 'email' then audit.subject_of('email', subject_value) end;
    end if;
    if row_subject is not null then
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(row_subject, pg_catalog.jsonb_build_array(r.part, r.key), r.value)), '[]')
        into moved
      from (select 'old_record' as part, o.key, o.value from pg_catalog.jsonb_each(new.old_record) o
            where o.key = any (columns)
            union all
            select 'new_record', n.key, n.value from pg_catalog.jsonb_each(new.new_record) n
            where n.key = any (columns)) r;
      new.old_record := new.old_record operator(pg_catalog.-) columns;
      new.new_record := new.new_record operator(pg_catalog.-) columns;
    end if;
  else
    row_subject := coalesce(
      case when new.metadata ->> 'user_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
           then 'user:' || pg_catalog.lower(new.metadata ->> 'user_id') end,
      case when new.metadata ? 'email' then audit.subject_of('email', new.metadata ->> 'email') end,
      case when new.resource_type = 'user'
                and new.resource_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
           then 'user:' || pg_catalog.lower(new.resource_id) end,
      case when new.resource_type = 'session' then
        (select 'user:' || u.user_id::text from public.user_sessions u
         where u.tenant_id = new.tenant_id and u.id::text = new.resource_id) end);
    s := coalesce(row_subject, actor_subject);
    if s is not null and new.metadata <> '{}' then
      select pg_catalog.array_agg(m.key), coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(s, pg_catalog.jsonb_build_array('metadata', m.key), m.value)), '[]')
        into keys, moved
      from pg_catalog.jsonb_each(new.metadata) m
      join audit.personal_metadata_keys p on p.key = m.key;
      if keys is not null then
        new.metadata := new.metadata operator(pg_catalog.-) keys;
      end if;
    end if;
  end if;
  if new.ip_address is not null then
    ip_subject := coalesce(actor_subject, row_subject);
    if ip_subject is not null then
      moved := moved operator(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(
                 ip_subject, pg_catalog.jsonb_build_array('ip_address'), new.ip_address::text));
      new.ip_address := null;
    end if;
  end if;
  if moved = '[]' then
    return new;
  end if;
  for s in select distinct m ->> 0 from pg_catalog.jsonb_array_elements(moved) m loop
    select * into k from audit.subject_keys sk where sk.tenant_id = chain and sk.subject = s;
    if not found then
      k := audit.subject_key(chain, s);
    end if;
    envelope := envelope operator(pg_catalog.||) (
      select pg_catalog.jsonb_build_object(s, pg_catalog.jsonb_build_object(
        'key', k.key_id,
        'fields', pg_catalog.jsonb_agg(m -> 1),
        'data', pg_catalog.translate(pg_catalog.encode(public.pgp_sym_encrypt(
                  pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(m -> 1, m -> 2))::text,
                  pg_catalog.encode(k.secret, 'hex'), 'cipher-algo=aes256, s2k-mode=1, compress-algo=0'), 'base64'),
                  E'\n', '')))
      from pg_catalog.jsonb_array_elements(moved) m where m ->> 0 = s);
  end loop;
  new.personal := envelope;
  new.subject_id := coalesce(row_subject, actor_subject, ip_subject);
  return new;
end
$$;
--> statement-breakpoint
alter function audit.encrypt_personal_fields() owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.encrypt_personal_fields() from public;
--> statement-breakpoint
create trigger audit_logs_personal_fields before insert on audit_logs
  for each row execute function audit.encrypt_personal_fields();
--> statement-breakpoint
-- The canonical text of 0030, with the envelope and the subject appended
-- when the event has an envelope: an event without one (every event
-- written before this migration) has the same 18 fields and hashes exactly
-- as before.
create or replace function audit.canonical_text(e public.audit_logs) returns text
language sql immutable set search_path = '' as $$
  select (pg_catalog.jsonb_build_array(
    e.id, e.txid::text, e.seq, e.tenant_id, e.actor_type, e.actor_id, e.action, e.resource_type,
    e.resource_id, e.ip_address::text, e.request_id, e.metadata, e.operation::text, e.table_name,
    e.old_record, e.new_record, e.changed_fields,
    pg_catalog.to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  ) operator(pg_catalog.||) case when e.personal is null then '[]'::jsonb
                                 else pg_catalog.jsonb_build_array(e.personal, e.subject_id) end)::text
$$;
--> statement-breakpoint
-- 0007's event hash, kept the SHA-256 of the canonical text.
create or replace function audit.event_hash(e public.audit_logs) returns bytea
language sql immutable set search_path = '' as $$
  select pg_catalog.sha256(pg_catalog.convert_to(audit.canonical_text(e), 'UTF8'))
$$;
--> statement-breakpoint
-- An event's personal values for the workspace that owns them: one
-- {"path": [...], "value": ...} per field whose subject's key the current
-- tenant holds, {"path": [...], "erased": true} per field whose key is gone.
-- Keys are looked up only in the transaction's verified tenant, so an
-- envelope of another workspace (or of the system chain) opens nothing:
-- its fields come back as erased; outside a tenant context, null.
create function audit.reveal_personal(personal jsonb) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  tenant text := platform.current_tenant_id();
  entry record;
  secret bytea;
  opened jsonb;
  out jsonb := '[]';
begin
  if tenant is null or personal is null or pg_catalog.jsonb_typeof(personal) <> 'object' then
    return null;
  end if;
  for entry in select e.key as subject, e.value from pg_catalog.jsonb_each(personal) e loop
    secret := null;
    opened := null;
    select k.secret into secret from audit.subject_keys k
    where k.tenant_id = tenant and k.subject = entry.subject
      and k.key_id::text = entry.value ->> 'key';
    if secret is not null then
      begin
        opened := public.pgp_sym_decrypt(pg_catalog.decode(entry.value ->> 'data', 'base64'),
                                         pg_catalog.encode(secret, 'hex'))::jsonb;
      exception when others then
        opened := null;
      end;
    end if;
    if opened is not null then
      out := out || (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('path', p -> 0, 'value', p -> 1)), '[]')
                     from pg_catalog.jsonb_array_elements(opened) p);
    else
      out := out || (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('path', f, 'erased', true)), '[]')
                     from pg_catalog.jsonb_array_elements(entry.value -> 'fields') f);
    end if;
  end loop;
  return out;
end
$$;
--> statement-breakpoint
alter function audit.reveal_personal(jsonb) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.reveal_personal(jsonb) from public;
--> statement-breakpoint
grant execute on function audit.reveal_personal(jsonb) to skillhub_app;
