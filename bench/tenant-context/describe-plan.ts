import type { RawPool, RawPoolClient } from '@skillhub/db/bench';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Schema?: string;
  'Parent Relationship'?: string;
  Plans?: PlanNode[];
}

/** The main path of a statement's plan, e.g. "Limit > Index Scan using skills_tenant_id_slug_key on public.skills". */
export async function describePlan(client: RawPool | RawPoolClient, text: string, params: unknown[]): Promise<string> {
  const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `explain (format json, verbose) ${text}`,
    params,
  );
  const root = rows[0]?.['QUERY PLAN'][0].Plan;
  const steps: string[] = [];
  for (let node = root; node; node = node.Plans?.find((n) => n['Parent Relationship'] === 'Outer')) {
    const index = node['Index Name'] ? ` using ${node['Index Name']}` : '';
    const relation = node['Relation Name'] ? ` on ${node.Schema}.${node['Relation Name']}` : '';
    steps.push(`${node['Node Type']}${index}${relation}`);
  }
  return steps.join(' > ');
}
