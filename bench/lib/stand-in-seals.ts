/**
 * Seals, as the owner in one statement, the ledger's events (those of the
 * month [from, to) when given), none of them sealed yet and all after every event
 * sealed before in (txid, seq) order: positions and (txid, seq) exactly
 * what `audit.seal_pending` would give (each chain's events in (txid, seq)
 * order, continuing from the chain's last leaf), hashes stand-ins (a
 * digest of the event id), no tree stored. The real sealer builds each
 * event's canonical text and extends its tree: hours for tens of millions
 * of events on this machine. Each seal records its event's month
 * (`created_at`), as the real sealer has since 0064. What reads these seals (the retirement door,
 * the ordering door's "every event sealed") takes positions, (txid, seq)
 * and chain hashes as opaque bytes and recomputes no hash; nothing here may
 * be verified afterwards.
 */
export function standInSealsSql(from?: Date, to?: Date): string {
  // A month's own partition, so that no lock is held on the ledger's parent.
  const events = from ? `public.audit_logs_p${from.toISOString().slice(0, 7).replace('-', '')}` : 'audit_logs';
  // The whole ledger holds the migrations' own events, sealed by the real sealer before the load.
  const where =
    from && to
      ? `where l.created_at >= '${from.toISOString()}' and l.created_at < '${to.toISOString()}'`
      : 'where not exists (select from audit.seals s where s.event_id = l.id)';
  return `with events as (
      select coalesce(l.tenant_id, '') as chain, l.id, l.txid, l.seq, l.created_at, sha256(convert_to(l.id::text, 'UTF8')) as digest
      from ${events} l ${where}),
    -- Each chain's last leaf, read once before the insert (inlined, it would be read per row, past the rows
    -- this statement has inserted for the chain so far).
    sealed as materialized (
      select c.chain, coalesce((select max(s.position) from audit.seals s where s.chain = c.chain), 0) as leaves
      from (select distinct chain from events) c)
    insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash, leaf_hash, created_at)
    select e.chain, d.leaves + row_number() over (partition by e.chain order by e.txid, e.seq), e.id, e.txid, e.seq,
           e.digest, e.digest, e.digest, e.created_at
    from events e join sealed d using (chain)`;
}
