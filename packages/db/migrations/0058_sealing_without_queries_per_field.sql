-- Sealing personal fields at a fraction of 0046's cost per write.
--
-- 0046's trigger cost a single-row audited write of `users` ~780,000 CPU
-- instructions more with email and display name classified personal than
-- with them classified ordinary (callgrind, PostgreSQL 15, 1,000 updates
-- of one row each; ~200 µs of backend CPU in bench/personal-encryption.ts).
-- pgp_sym_encrypt was 126,000 of them. Most of the rest was the executor
-- starting and ending the queries the trigger ran per write to gather and
-- seal: a jsonb_each ... union all ... jsonb_agg to gather the values, a
-- `select distinct` cursor over the subjects, and per subject an aggregate
-- subquery that built the envelope (ExecInitAgg alone ~108,000 per write,
-- ExecSetParamPlan ~310,000 with the encryption inside). None of it needs a
-- query: the personal columns are known once the classification is read,
-- and an event's values belong to at most two subjects (the person the
-- values are about, and the actor whose IP address it is).
--
-- This version gathers with PL/pgSQL loops over the (few) personal columns,
-- whose every step is a simple expression that PL/pgSQL evaluates without
-- the executor, and seals each subject's values with one expression. What
-- is left per write with something to seal: the subject's key (one index
-- lookup, as before), one pgp_sym_encrypt, the jsonb of the envelope.
--
-- Nothing about what is sealed or how changes: the same values move out
-- of the same places into the same envelope, {"<subject>": {"key", "fields",
-- "data"}}, and `data` is the same OpenPGP message (pgp_sym_encrypt with
-- cipher-algo=aes256, s2k-mode=1, compress-algo=0, under the subject's
-- 256-bit key as hex) of the same plaintext, a jsonb array of [path, value]
-- pairs in the order of `fields`. So audit.reveal_personal opens envelopes
-- written before and after this migration alike, erasure (0047) destroys
-- the same keys, and the leaf hash commits to the envelope as before.
-- Fields are listed per part (old_record, then new_record) in the order of
-- the table's personal columns; readers look values up by path, not by
-- position.
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
  k audit.subject_keys;
  envelope jsonb := '{}';
begin
  -- A user id names its subject directly; only an email needs the HMAC door.
  if new.actor_type = 'user' and new.actor_id ~* uuid_pattern then
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
      if subject_kind = 'user' and subject_value ~* uuid_pattern then
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
    select * into k from audit.subject_keys sk where sk.tenant_id = chain and sk.subject = subjects[i];
    if not found then
      k := audit.subject_key(chain, subjects[i]);
    end if;
    envelope := envelope operator(pg_catalog.||) pg_catalog.jsonb_build_object(subjects[i], pg_catalog.jsonb_build_object(
      'key', k.key_id,
      'fields', subject_fields[i],
      'data', pg_catalog.replace(pg_catalog.encode(public.pgp_sym_encrypt(subject_pairs[i]::text,
                pg_catalog.encode(k.secret, 'hex'), 'cipher-algo=aes256, s2k-mode=1, compress-algo=0'), 'base64'),
                E'\n', '')));
  end loop;
  new.personal := envelope;
  new.subject_id := coalesce(row_subject, actor_subject, ip_subject);
  return new;
end
$$;
