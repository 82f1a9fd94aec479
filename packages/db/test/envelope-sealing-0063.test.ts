// Migration 0063 reads the classification from one row per table and the
// row subject's key before checking its id. Envelopes sealed by 0058's
// trigger must open after it like those sealed after it, to the same
// fields and the same plaintext; a change of class must seal (or stop
// sealing) from the next write on; erasure must still make both kinds
// unreadable while the chain verifies.
import { expect, test } from 'vitest';
import { sql } from '../src/index.ts';
import { envelopeUpgradeAcross } from './support/envelope-upgrade.ts';

const upgrade = envelopeUpgradeAcross('0063_sealing_classification_in_one_row');
upgrade.openingTests();

/** Each subject's entry of an event's envelope: its fields and its plaintext, opened with the owner's view of the key. */
const entries = async (eventId: string) => {
  const { rows } = await upgrade.owner().query<{ subject: string; fields: string[][]; plain: string }>(
    `select e.key as subject, e.value -> 'fields' as fields,
            pgp_sym_decrypt(decode(e.value ->> 'data', 'base64'), encode(k.secret, 'hex')) as plain
     from audit_logs l
     cross join lateral jsonb_each(l.personal) e
     join audit.subject_keys k on k.key_id::text = e.value ->> 'key'
     where l.id = $1 order by e.key = $2`,
    [eventId, `user:${upgrade.admin.actorId}`],
  );
  return rows;
};

test('an envelope sealed after 0063 holds the same fields and the same plaintext as one sealed before it', async () => {
  for (const kind of ['insert', 'update', 'invite'] as const) {
    const old = await entries(upgrade.before().events[kind]);
    const renewed = await entries(upgrade.after().events[kind]);
    expect(
      renewed.map((e) => e.subject.split(':')[0]),
      kind,
    ).toEqual(old.map((e) => e.subject.split(':')[0]));
    expect(renewed.at(-1)?.subject).toBe(`user:${upgrade.admin.actorId}`);
    expect(
      renewed.map((e) => e.fields),
      kind,
    ).toEqual(old.map((e) => e.fields));
    // The person's values differ between the rounds only by the address's label.
    expect(
      renewed.map((e) => e.plain),
      kind,
    ).toEqual(old.map((e) => e.plain.replaceAll('pat-before@', 'pat-after@')));
  }
});

test('a change of class takes effect at the next write, both ways', async () => {
  const rename = (name: string) =>
    upgrade.withApp((db) =>
      db.withTenant(upgrade.tenantId(), upgrade.admin, (tx) =>
        tx.execute(sql`update users set display_name = ${name} where id = ${upgrade.after().userId}`),
      ),
    );
  const latestUpdate = async () => {
    const { rows } = await upgrade.owner().query<{ clear: string | null; fields: string[][] }>(
      `select l.new_record ->> 'display_name' as clear, l.personal -> $2 -> 'fields' as fields
       from audit_logs l where l.tenant_id = $1 and l.action = 'users.update'
       order by l.created_at desc, l.seq desc limit 1`,
      [upgrade.tenantId(), `user:${upgrade.after().userId}`],
    );
    return rows[0];
  };
  await upgrade.owner().query(`select audit.classify_columns('users', 'ordinary', array['display_name'])`);
  await rename('Shown Name');
  const shown = await latestUpdate();
  expect(shown?.clear).toBe('Shown Name');
  expect(shown?.fields).toContainEqual(['new_record', 'email']);
  expect(shown?.fields).not.toContainEqual(['new_record', 'display_name']);

  await upgrade.owner().query(`select audit.classify_columns('users', 'personal', array['display_name'])`);
  await rename('Sealed Name');
  const sealed = await latestUpdate();
  expect(sealed?.clear).toBeNull();
  expect(sealed?.fields).toContainEqual(['new_record', 'display_name']);
  expect(
    await upgrade.opened(
      (
        await upgrade
          .owner()
          .query<{ id: string }>(
            `select id from audit_logs where tenant_id = $1 and action = 'users.update' order by created_at desc, seq desc limit 1`,
            [upgrade.tenantId()],
          )
      ).rows[0]?.id ?? '',
    ),
  ).toMatchObject({ 'new_record.display_name': 'Sealed Name' });
});

test('a subject key must name a user id or an email digest exactly: a found key stands for the id check', async () => {
  // 0046's constraint let 36 characters of [0-9a-f-] through; the trigger now trusts a found key's subject.
  await expect(
    upgrade
      .owner()
      .query(`insert into audit.subject_keys (tenant_id, subject) values ($1, $2)`, [
        upgrade.tenantId(),
        `user:${'-'.repeat(36)}`,
      ]),
  ).rejects.toMatchObject({ code: '23514' });
  await expect(
    upgrade
      .owner()
      .query(`insert into audit.subject_keys (tenant_id, subject) values ($1, $2)`, [
        upgrade.tenantId(),
        'user:3F1C2D4E-0000-4000-8000-0000000000AD',
      ]),
  ).rejects.toMatchObject({ code: '23514' });
});

upgrade.erasureTest();
