import { median } from '../lib/interleaved-rounds.ts';
import { formatRate, formatTable } from '../lib/print-table.ts';
import type { RunFigures } from './measure-run.ts';

/** One layer of `--split`: its figures on each server (the baseline has no tenant transaction). */
export interface SplitLayer {
  title: string;
  product: RunFigures[];
  baseline: RunFigures[] | null;
}

const med = (runs: RunFigures[] | null, pick: (r: RunFigures) => number | null): number | null => {
  const values = (runs ?? []).map(pick).filter((v): v is number => v !== null);
  return values.length === 0 ? null : median(values);
};
const us = (v: number | null) => (v === null ? '' : Math.round(v).toLocaleString('en-US'));
const added = (v: number | null, below: number | null) =>
  v === null || below === null ? '' : `+${Math.round(v - below).toLocaleString('en-US')}`;

/**
 * Where a skill read's CPU goes, layer by layer: each layer's server and PostgreSQL CPU per request
 * (medians across rounds) and what it adds to the layer below, on both servers.
 */
export function printSplit(layers: SplitLayer[]): void {
  const rows = [
    [
      'layer',
      'Skillhub req/s',
      'server CPU µs/req',
      'added',
      'PG CPU µs/req',
      'added',
      'statements/req',
      'baseline server CPU',
      'added',
      'baseline PG CPU',
    ],
  ];
  let below: { server: number | null; pg: number | null; baseServer: number | null } | undefined;
  for (const layer of layers) {
    const server = med(layer.product, (r) => r.serverCpuUs);
    const pg = med(layer.product, (r) => r.postgresCpuUs);
    const baseServer = med(layer.baseline, (r) => r.serverCpuUs);
    rows.push([
      layer.title,
      formatRate(med(layer.product, (r) => r.requestsPerSec) ?? 0),
      us(server),
      below ? added(server, below.server) : '',
      us(pg),
      below ? added(pg, below.pg) : '',
      (med(layer.product, (r) => r.statements) ?? 0).toFixed(2),
      us(baseServer),
      below && baseServer !== null ? added(baseServer, below.baseServer) : '',
      us(med(layer.baseline, (r) => r.postgresCpuUs)),
    ]);
    below = { server, pg, baseServer: baseServer ?? below?.baseServer ?? null };
  }
  console.log('\nwhere a skill read spends CPU, layer by layer (medians across rounds; µs per request)');
  console.log(formatTable(rows));
}
