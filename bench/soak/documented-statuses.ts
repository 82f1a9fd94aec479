interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
}

/** Which statuses each route documents, read from the server's own /openapi.json. */
export interface DocumentedStatuses {
  /** The route template a request matches (`PATCH /skills/{ref}`), or null when none does. */
  routeOf(method: string, path: string): string | null;
  /** True when the route documents `status`. */
  documents(route: string, status: number): boolean;
}

export async function readDocumentedStatuses(baseUrl: string): Promise<DocumentedStatuses> {
  const response = await fetch(`${baseUrl}/openapi.json`);
  if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
  const document = (await response.json()) as OpenApiDocument;
  const routes: { method: string; template: string; pattern: RegExp; statuses: Set<number> }[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const [method, operation] of Object.entries(operations)) {
      const statuses = new Set(Object.keys(operation.responses ?? {}).map(Number));
      routes.push({ method: method.toUpperCase(), template, pattern, statuses });
    }
  }
  // Literal segments before parameters: /skills/merge is not /skills/{ref}.
  routes.sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  const byName = new Map(routes.map((r) => [`${r.method} ${r.template}`, r]));
  return {
    routeOf: (method, path) => {
      const bare = path.split('?')[0] ?? path;
      const route = routes.find((r) => r.method === method && r.pattern.test(bare));
      return route ? `${route.method} ${route.template}` : null;
    },
    documents: (route, status) => byName.get(route)?.statuses.has(status) ?? false,
  };
}
