// How pg_get_expr prints the verified tenant's comparison, bare or as the sub-select the migrations write.
const tenantComparisons = new Set([
  'tenant_id = platform.current_tenant_id()',
  'tenant_id = ( SELECT platform.current_tenant_id() AS current_tenant_id)',
]);

/** `text` without the parentheses that enclose all of it, if any. */
function unwrapped(text: string): string {
  let inner = text.trim();
  while (inner.startsWith('(') && closingParen(inner, 0) === inner.length - 1) inner = inner.slice(1, -1).trim();
  return inner;
}

/** The index of the parenthesis closing the one at `open`, skipping quoted literals and names. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      i = text.indexOf(c, i + 1);
      if (i < 0) return -1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The operands of `text`'s outermost AND, or undefined when an OR stands at the top. */
function topLevelConjuncts(text: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      i = text.indexOf(c, i + 1);
      if (i < 0) return undefined;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && text.startsWith(' OR ', i)) return undefined;
    else if (depth === 0 && text.startsWith(' AND ', i)) {
      parts.push(text.slice(start, i));
      start = i + ' AND '.length;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * Whether a policy expression, as pg_get_expr prints it, is the verified
 * tenant's comparison or a conjunction with it as one operand: then no row
 * of another tenant can pass it, whatever the rest says. A mere mention
 * does not count (`tenant_id = platform.current_tenant_id() OR true`).
 */
export function holdsTenantConjunct(expression: string | null): boolean {
  if (expression === null) return false;
  const conjuncts = topLevelConjuncts(unwrapped(expression));
  return conjuncts?.some((part) => tenantComparisons.has(unwrapped(part))) ?? false;
}

/**
 * The clauses a policy's command takes, as pg_policy spells the command:
 * USING for all but INSERT (a), WITH CHECK for ALL (*), INSERT and UPDATE
 * (w). A clause the command takes but the policy lacks is null.
 */
export function clausesOfCommand(policy: {
  cmd: string;
  using: string | null;
  check: string | null;
}): (string | null)[] {
  return [
    ...(policy.cmd === 'a' ? [] : [policy.using]),
    ...(['*', 'a', 'w'].includes(policy.cmd) ? [policy.check] : []),
  ];
}
