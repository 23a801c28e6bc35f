// Plain-text tables of a ClusterSnapshot: columns padded to their widest cell so the output
// reads in a terminal and still splits on whitespace in a pipe.
import type { ClusterSnapshot } from './cluster-snapshot.ts';

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)];
}

export function formatSnapshot(s: ClusterSnapshot): string {
  const out: string[] = [];
  out.push(`CONFIGURATIONS (${s.configurations.length})`);
  out.push(
    ...table(
      ['NAMESPACE', 'NAME', 'HANDLER', 'CAPACITY', 'INSTANCES', 'DISCOVERY'],
      s.configurations.map((c) => [c.namespace, c.name, c.handler, String(c.capacity), String(c.instances), c.nodes.join(', ') || '-']),
    ),
  );
  out.push('', `INSTANCES (${s.instances.length})`);
  out.push(
    ...table(
      ['NAMESPACE', 'NAME', 'CONFIGURATION', 'SHARED', 'NODES', 'SLOTS USED', 'BROKERS'],
      s.instances.map((i) => [i.namespace, i.name, i.configuration, i.shared ? 'yes' : 'no', i.nodes.join(',') || '-', `${i.slotsUsed}/${i.slots}`, String(i.brokers.length)]),
    ),
  );
  out.push('', `BROKER PODS (${s.brokers.length})`);
  out.push(...table(['NAMESPACE', 'NAME', 'INSTANCE', 'NODE', 'PHASE'], s.brokers.map((b) => [b.namespace, b.name, b.instance, b.node || '-', b.phase])));
  if (s.slices) {
    out.push('', `RESOURCE SLICES (${s.slices.length})`);
    out.push(...table(['NAME', 'POOL', 'NODES', 'DEVICES', 'GENERATION'], s.slices.map((x) => [x.name, x.pool, x.nodes.join(',') || '-', String(x.devices), String(x.generation)])));
  }
  if (s.claims) {
    out.push('', `RESOURCE CLAIMS (${s.claims.length})`);
    out.push(...table(['NAMESPACE', 'NAME', 'STATE', 'DEVICES', 'PODS'], s.claims.map((c) => [c.namespace, c.name, c.state, c.devices.join(',') || '-', c.pods.join(',') || '-'])));
  }
  return `${out.join('\n')}\n`;
}
