-- Sealing personal fields (0046, 0058) with its per-write reads cut down.
--
-- Counted with callgrind on a single-user PostgreSQL 15 backend (1,000
-- audited updates of one `users` row, one transaction each, email and
-- display name classified personal vs ordinary), 0058's trigger cost
-- ~510,000 instructions per write more when it sealed than when it found
-- nothing to seal, on ~2,450,000 for the ordinary write. Taking its parts
-- out one at a time (same run, same data): the envelope's expression
-- ~160,000 (pgp_sym_encrypt 126,000 of it, half of that pgcrypto wiping its
-- buffers), gathering the values ~140,000, the subject's key lookup
-- ~45,000, the uuid pattern on the subject's id ~40,000 (PostgreSQL builds
-- its regex DFA afresh for every match), the rest spread over the jsonb
-- and record assignments. Besides, every captured write, sealed or not,
-- read the classification with a four-way join and an aggregate: ~130,000
-- instructions.
--
-- What changes:
--   * The classification a write needs (a table's personal columns, its
--     subject column and kind) is kept in audit.sealed_columns, one row per
--     table name, rebuilt by statement triggers on column_classes,
--     subject_columns and tracked_tables in the transaction that changes
--     them: one primary-key probe per write instead of the join, and a
--     change of class seals (or stops sealing) from the next write on, as
--     before. Personal columns are listed by name: the order in which
--     0058's join met them (column_classes' primary key), so the same
--     columns give the same fields and plaintext, byte for byte.
--   * The row subject's key is looked up before its id is checked. A key
--     exists only for a subject of the exact form (the check constraint
--     below, the same pattern the trigger applies), so a found key settles
--     the check and the pattern runs only for a subject's first write.
--     The key is then reused for the envelope (and the IP address when the
--     subject acts on their own row): still one probe per subject.
--
-- What does not: the envelope, its OpenPGP message (pgp_sym_encrypt,
-- cipher-algo=aes256, s2k-mode=1, compress-algo=0, the subject's 256-bit
-- key as hex), its plaintext for the same columns, which values move where,
-- the subject chosen, the canonical text and the leaf hash. Envelopes
-- sealed before open as before.

-- Every subject ever keyed came through audit.subject_of or the trigger's
-- uuid pattern, so every row already has this form; 0046's constraint only
-- checked the alphabet and the length.
alter table audit.subject_keys add constraint subject_keys_subject_form_check check (
  subject ~ '^(user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|email:[0-9a-f]{64})$');
--> statement-breakpoint
alter table audit.subject_keys drop constraint subject_keys_subject_check;
--> statement-breakpoint
alter table audit.subject_keys rename constraint subject_keys_subject_form_check to subject_keys_subject_check;
--> statement-breakpoint
-- The classification the envelope trigger reads, per table name (the
-- ledger's table_name): derived, never written but by the refresh below.
create table audit.sealed_columns (
  table_name text not null,
  columns text[] not null,
  subject_column text,
  subject_kind text,
  constraint sealed_columns_pkey primary key (table_name)
);
--> statement-breakpoint
revoke all on audit.sealed_columns from public;
--> statement-breakpoint
grant select on audit.sealed_columns to skillhub_system;
--> statement-breakpoint
-- Rebuilds audit.sealed_columns from the classification: the same rows
-- 0058's join read per write, grouped by table name. The lock makes
-- concurrent changes of the classification rebuild one after the other.
create function audit.refresh_sealed_columns() returns trigger
language plpgsql set search_path = '' as $$
begin
  lock table audit.sealed_columns in exclusive mode;
  delete from audit.sealed_columns;
  insert into audit.sealed_columns (table_name, columns, subject_column, subject_kind)
  select c.relname, pg_catalog.array_agg(cc.column_name::text order by cc.column_name), max(sc.column_name), max(sc.kind)
  from audit.tracked_tables t
  join pg_catalog.pg_class c on c.oid = t.relid::oid
  join audit.column_classes cc on cc.relid = t.relid and cc.class = 'personal'
  left join audit.subject_columns sc on sc.relid = t.relid
  group by c.relname;
  return null;
end
$$;
--> statement-breakpoint
revoke all on function audit.refresh_sealed_columns() from public;
--> statement-breakpoint
create trigger sealed_columns_refresh after insert or update or delete or truncate on audit.column_classes
  for each statement execute function audit.refresh_sealed_columns();
--> statement-breakpoint
create trigger sealed_columns_refresh after insert or update or delete or truncate on audit.subject_columns
  for each statement execute function audit.refresh_sealed_columns();
--> statement-breakpoint
create trigger sealed_columns_refresh after insert or update or delete or truncate on audit.tracked_tables
  for each statement execute function audit.refresh_sealed_columns();
--> statement-breakpoint
-- The first build (a statement trigger fires for no rows too).
update audit.subject_columns set kind = kind where false;
--> statement-breakpoint
-- 0058's trigger with the two reads above; the rest is as 0058 wrote it.
create or replace function audit.encrypt_personal_fields() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  uuid_pattern constant text := '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
  chain text := coalesce(new.tenant_id, '');
  columns text[];
  subject_column text;
  subject_kind text;
  subject_value text;
  row_subject text;
  actor_subject text;
  values_subject text;
  ip_subject text;
  part text;
  captured jsonb;
  name text;
  path jsonb;
  personal_keys text[];
  -- The values subject's moved paths and [path, value] pairs, in the order met.
  paths jsonb[] := '{}';
  pairs jsonb[] := '{}';
  -- Per subject to seal (at most two: the values' and the IP address's), index for index.
  subjects text[] := '{}';
  subject_fields jsonb[] := '{}';
  subject_pairs jsonb[] := '{}';
  key_id uuid;
  row_key_id uuid;
  row_secret bytea;
  secret bytea;
  envelope jsonb := '{}';
begin
  -- A user id names its subject directly; only an email needs the HMAC door.
  if new.actor_type = 'user' and new.actor_id ~* uuid_pattern then
    actor_subject := 'user:' || pg_catalog.lower(new.actor_id);
  end if;
  if new.table_name is not null then
    select s.columns, s.subject_column, s.subject_kind into columns, subject_column, subject_kind
    from audit.sealed_columns s where s.table_name = new.table_name;
    if columns is not null then
      subject_value := coalesce(new.old_record, new.new_record) ->> subject_column;
      if subject_kind = 'user' and subject_value is not null then
        -- A key exists only for a subject that matches the pattern
        -- (subject_keys_subject_check), so finding one settles the check.
        select k.key_id, k.secret into row_key_id, row_secret from audit.subject_keys k
        where k.tenant_id = chain and k.subject = 'user:' operator(pg_catalog.||) pg_catalog.lower(subject_value);
      end if;
      if subject_kind = 'user' and (row_key_id is not null or subject_value ~* uuid_pattern) then
        row_subject := 'user:' || pg_catalog.lower(subject_value);
      elsif subject_kind = 'email' then
        row_subject := audit.subject_of('email', subject_value);
      end if;
    end if;
    if row_subject is not null then
      values_subject := row_subject;
      foreach part in array array['old_record', 'new_record'] loop
        captured := case part when 'old_record' then new.old_record else new.new_record end;
        foreach name in array columns loop
          if captured operator(pg_catalog.?) name then
            path := pg_catalog.jsonb_build_array(part, name);
            paths := paths operator(pg_catalog.||) path;
            pairs := pairs operator(pg_catalog.||) pg_catalog.jsonb_build_array(path, captured -> name);
          end if;
        end loop;
      end loop;
      new.old_record := new.old_record operator(pg_catalog.-) columns;
      new.new_record := new.new_record operator(pg_catalog.-) columns;
    end if;
  else
    -- The person the event is about: metadata user_id, else metadata email,
    -- else a `user` resource, else the owner of a `session` resource.
    if new.metadata ->> 'user_id' ~* uuid_pattern then
      row_subject := 'user:' || pg_catalog.lower(new.metadata ->> 'user_id');
    elsif new.metadata operator(pg_catalog.?) 'email' then
      row_subject := audit.subject_of('email', new.metadata ->> 'email');
    end if;
    if row_subject is null and new.resource_type = 'user' and new.resource_id ~* uuid_pattern then
      row_subject := 'user:' || pg_catalog.lower(new.resource_id);
    elsif row_subject is null and new.resource_type = 'session' then
      select 'user:' || u.user_id::text into row_subject from public.user_sessions u
      where u.tenant_id = new.tenant_id and u.id::text = new.resource_id;
    end if;
    values_subject := coalesce(row_subject, actor_subject);
    if values_subject is not null and new.metadata <> '{}' then
      personal_keys := array(select p.key from audit.personal_metadata_keys p
                             where new.metadata operator(pg_catalog.?) p.key);
      foreach name in array personal_keys loop
        path := pg_catalog.jsonb_build_array('metadata', name);
        paths := paths operator(pg_catalog.||) path;
        pairs := pairs operator(pg_catalog.||) pg_catalog.jsonb_build_array(path, new.metadata -> name);
      end loop;
      if personal_keys <> '{}' then
        new.metadata := new.metadata operator(pg_catalog.-) personal_keys;
      end if;
    end if;
  end if;
  if paths <> '{}' then
    subjects := array[values_subject];
    subject_fields := array[pg_catalog.to_jsonb(paths)];
    subject_pairs := array[pg_catalog.to_jsonb(pairs)];
  end if;
  -- The IP address is the acting user's when a user acts, else the event's
  -- subject's; an event with no person (a system job, an API key's call
  -- about no one) keeps it in clear.
  if new.ip_address is not null then
    ip_subject := coalesce(actor_subject, row_subject);
    if ip_subject is not null then
      path := '[["ip_address"]]';
      if subjects[1] = ip_subject then
        subject_fields[1] := subject_fields[1] operator(pg_catalog.||) path;
        subject_pairs[1] := subject_pairs[1] operator(pg_catalog.||)
          pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(path -> 0, new.ip_address::text));
      else
        subjects := subjects operator(pg_catalog.||) ip_subject;
        subject_fields := subject_fields operator(pg_catalog.||) path;
        subject_pairs := subject_pairs operator(pg_catalog.||)
          pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(path -> 0, new.ip_address::text));
      end if;
      new.ip_address := null;
    end if;
  end if;
  if subjects = '{}' then
    return new;
  end if;
  for i in 1 .. pg_catalog.cardinality(subjects) loop
    if row_key_id is not null and subjects[i] = row_subject then
      key_id := row_key_id;
      secret := row_secret;
    else
      select k.key_id, k.secret into key_id, secret from audit.subject_keys k
      where k.tenant_id = chain and k.subject = subjects[i];
    end if;
    if key_id is null then
      select k.key_id, k.secret into key_id, secret from audit.subject_key(chain, subjects[i]) k;
    end if;
    envelope := envelope operator(pg_catalog.||) pg_catalog.jsonb_build_object(subjects[i], pg_catalog.jsonb_build_object(
      'key', key_id,
      'fields', subject_fields[i],
      'data', pg_catalog.replace(pg_catalog.encode(public.pgp_sym_encrypt(subject_pairs[i]::text,
                pg_catalog.encode(secret, 'hex'), 'cipher-algo=aes256, s2k-mode=1, compress-algo=0'), 'base64'),
                E'\n', '')));
    key_id := null;
  end loop;
  new.personal := envelope;
  new.subject_id := coalesce(row_subject, actor_subject, ip_subject);
  return new;
end
$$;
