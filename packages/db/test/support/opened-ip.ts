/**
 * An audit event's IP address as the owner reads it back in a test: the
 * column when it is in clear, else the address sealed in the event's
 * envelope (migration 0046), opened with the subject's key straight from
 * `audit.subject_keys` (the owner may; the runtime role may not). For
 * attribution tests, which check where an address came from, not who may
 * read it.
 */
export const openedIpSql = (alias: string) => `coalesce(host(${alias}.ip_address), (
  select host((p ->> 1)::inet)
  from jsonb_each(${alias}.personal) e
  join audit.subject_keys k on k.tenant_id = coalesce(${alias}.tenant_id, '') and k.subject = e.key
                            and k.key_id::text = e.value ->> 'key'
  cross join lateral jsonb_array_elements(
    pgp_sym_decrypt(decode(e.value ->> 'data', 'base64'), encode(k.secret, 'hex'))::jsonb) p
  where p -> 0 = '["ip_address"]'::jsonb))`;
