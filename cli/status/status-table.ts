// Plain-text tables of a ClusterSnapshot: columns padded to their widest cell so the output
// reads in a terminal and still splits on whitespace in a pipe. Problems come first: nodes
// whose discovery is stuck, then the latest Warning Events on Configurations and Instances.
import type { ClusterSnapshot, WarningRow } from './cluster-snapshot.ts';
import { localTime } from './local-time.ts';

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)];
}

export interface FormatOptions {
  /** Warning Events shown, latest first (default 5). */
  warnings?: number;
  /** Problems seen outside the cluster, e.g. by `npm start` itself. */
  localProblems?: string[];
  /** For the times of Warning Events: today's show the time of day only. */
  now?: Date;
}

/** Messages can be long (a handler's error); a row should stay on one screen line or two. */
const MESSAGE_CHARS = 160;

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MESSAGE_CHARS ? `${one.slice(0, MESSAGE_CHARS - 1)}…` : one;
}

function problemLines(s: ClusterSnapshot, o: FormatOptions): string[] {
  const local = o.localProblems ?? [];
  if (s.discoveryProblems.length === 0 && s.warnings.length === 0 && local.length === 0) {
    return ['PROBLEMS: none (every node reports Discovering; no Warning Events on Configurations or Instances)'];
  }
  const out: string[] = [];
  if (s.discoveryProblems.length > 0) {
    out.push(`DISCOVERY PROBLEMS (${s.discoveryProblems.length})`);
    out.push(...table(['NAMESPACE', 'CONFIGURATION', 'NODE', 'STATE', 'MESSAGE'], s.discoveryProblems.map((p) => [p.namespace, p.configuration, p.node, p.state, clip(p.message)])));
    out.push('');
  }
  if (s.warnings.length > 0) {
    const shown: WarningRow[] = s.warnings.slice(0, o.warnings ?? 5);
    const now = o.now ?? new Date();
    out.push(`WARNING EVENTS (latest ${shown.length} of ${s.warnings.length})`);
    out.push(
      ...table(
        ['LAST SEEN', 'NAMESPACE', 'OBJECT', 'REASON', 'COUNT', 'MESSAGE'],
        shown.map((w) => [localTime(w.lastSeen, now), w.namespace, `${w.kind}/${w.name}`, w.reason, String(w.count), clip(w.message)]),
      ),
    );
    out.push('');
  }
  if (local.length > 0) {
    out.push(`LOCAL PROBLEMS (${local.length})`, ...local.map(clip), '');
  }
  return out.slice(0, -1);
}

export function formatSnapshot(s: ClusterSnapshot, o: FormatOptions = {}): string {
  const out: string[] = [...problemLines(s, o), ''];
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
