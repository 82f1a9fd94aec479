import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

interface ClassFacts extends Record<string, unknown> {
  relation: string;
  unclassified: string[];
  secret_copied: string[];
  personal_without_subject: boolean;
}

// Per tracked table: columns with no class, secret columns change capture copies
// (not in its redacted list), and personal columns with no subject column to key them.
const classFactsSql = `
  select format('%I.%I', n.nspname, rel.relname) as relation,
    array(select a.attname::text from pg_attribute a
          where a.attrelid = t.relid and a.attnum > 0 and not a.attisdropped
            and not exists (select from audit.column_classes c where c.relid = t.relid and c.column_name = a.attname)
          order by a.attnum) as unclassified,
    array(select c.column_name from audit.column_classes c
          where c.relid = t.relid and c.class = 'secret' and c.column_name <> all (t.redact)
          order by c.column_name) as secret_copied,
    exists (select from audit.column_classes c where c.relid = t.relid and c.class = 'personal')
      and not exists (select from audit.subject_columns s where s.relid = t.relid) as personal_without_subject
  from audit.tracked_tables t
  join pg_class rel on rel.oid = t.relid
  join pg_namespace n on n.oid = rel.relnamespace
  order by 1`;

/**
 * Every column of every tracked table has a class (migration 0046):
 * personal (sealed per subject in the ledger), ordinary (copied as it is)
 * or secret (never copied). A column added without one (a `phone`, say)
 * would reach the ledger in clear, beyond any erasure, so it fails here
 * before it ships.
 */
export async function checkPersonalClassification(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<ClassFacts>(classFactsSql);
  return rows.map((t) => {
    const problems = [
      t.unclassified.length > 0 && `columns with no class: ${t.unclassified.join(', ')}`,
      t.secret_copied.length > 0 && `secret columns change capture still copies: ${t.secret_copied.join(', ')}`,
      t.personal_without_subject && 'personal columns but no subject column to key them by',
    ].filter((p): p is string => typeof p === 'string');
    const fix = [
      t.unclassified.length > 0 &&
        `select audit.classify_columns('${t.relation}', 'personal' | 'ordinary' | 'secret', array[${t.unclassified.map((c) => `'${c}'`).join(', ')}]);`,
      t.secret_copied.length > 0 && `select audit.enable_tracking('${t.relation}', redact => array[...]);`,
      t.personal_without_subject && `select audit.set_subject_column('${t.relation}', '<column>', 'user' | 'email');`,
    ]
      .filter((f): f is string => typeof f === 'string')
      .join(' ');
    return checkResult(
      'personal_fields_classified',
      t.relation,
      problems.length === 0 ? null : { detail: problems.join('; '), fix },
    );
  });
}
