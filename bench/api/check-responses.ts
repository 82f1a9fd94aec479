import { isDeepStrictEqual } from 'node:util';
import type { BenchRequest, Scenario } from './scenarios.ts';

const send = async (url: string, request: BenchRequest) => {
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined && { body: request.body }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
};

const shapeOfRating = (body: unknown) => {
  const b = body as { score?: unknown; rating?: { count?: unknown; average?: unknown } };
  return typeof b.score === 'number' && typeof b.rating?.count === 'number' && b.rating.count >= 1;
};

/**
 * Before measuring: each scenario's request, sent to both servers, must
 * succeed, and the reads must answer the same JSON (the baseline serves the
 * same data, not a cheaper stand-in). Rating writes go to different tables,
 * so only their shape is compared.
 */
export async function checkResponses(
  scenarios: Scenario[],
  urls: { product: string; baseline: string },
  samples = 5,
): Promise<void> {
  for (const scenario of scenarios) {
    for (let i = 0; i < samples; i++) {
      const request = scenario.next();
      const [product, baseline] = [await send(urls.product, request), await send(urls.baseline, request)];
      const describe = () =>
        `${request.method} ${request.path}: Skillhub ${product.status} ${JSON.stringify(product.body).slice(0, 300)} · baseline ${baseline.status} ${JSON.stringify(baseline.body).slice(0, 300)}`;
      if (product.status !== 200 || baseline.status !== 200) throw new Error(`check failed, ${describe()}`);
      const same =
        scenario.key === 'rate'
          ? shapeOfRating(product.body) && shapeOfRating(baseline.body)
          : isDeepStrictEqual(product.body, baseline.body);
      if (!same) throw new Error(`the two servers answer differently, ${describe()}`);
    }
  }
}
