// The API server's own count of what akri-ts's components wrote: its audit log (JSON lines,
// one per request; the soak's policy logs only writes by the soak namespace's ServiceAccounts),
// read as it grows. Each ServiceAccount is one component, so a write is attributed by the API
// server itself, not by the component's own metrics.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { SOAK_NAMESPACE } from './site-plan.ts';

export interface AuditWrite {
  at: number;
  /** "agent/n1", "controller/soak-c1", ... */
  component: string;
  verb: string;
  resource: string;
  subresource?: string;
  name?: string;
  code?: number;
}

interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; name?: string };
  requestReceivedTimestamp?: string;
  responseStatus?: { code?: number };
}

const PREFIX = `system:serviceaccount:${SOAK_NAMESPACE}:`;

/** The component a ServiceAccount stands for: soak-agent-n1 → agent/n1, soak-c1 → controller/soak-c1. */
export function componentOf(username: string): string | undefined {
  if (!username.startsWith(PREFIX)) return undefined;
  const sa = username.slice(PREFIX.length);
  if (sa.startsWith('soak-agent-')) return `agent/${sa.slice('soak-agent-'.length)}`;
  return `controller/${sa}`;
}

export class AuditReader {
  private offset = 0;
  private partial = '';

  constructor(private readonly file: string) {}

  /** The writes logged since the last call. */
  read(): AuditWrite[] {
    if (!existsSync(this.file)) return [];
    const size = statSync(this.file).size;
    if (size <= this.offset) return [];
    const fd = openSync(this.file, 'r');
    const buffer = Buffer.alloc(size - this.offset);
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.partial + buffer.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    const out: AuditWrite[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as AuditEvent;
      if (e.stage !== 'ResponseComplete') continue;
      const component = componentOf(e.user?.username ?? '');
      if (!component) continue;
      out.push({
        at: Date.parse(e.requestReceivedTimestamp ?? ''),
        component,
        verb: e.verb ?? '',
        resource: e.objectRef?.resource ?? '',
        subresource: e.objectRef?.subresource,
        name: e.objectRef?.name,
        code: e.responseStatus?.code,
      });
    }
    return out;
  }
}

/**
 * The writes invariant 5 counts at rest: all of them but the Lease renewals of the controller
 * leader, and the count of an Event that records a problem that persists, bumped at most once
 * a minute (agent/discovery/problem-events.ts: a node probing an OPC UA URL it cannot reach, as
 * n1 does in the soak's topology, says so every minute). Restated after the 60-minute soak
 * (seed 2026): such a record is what a user reads about a lasting problem, not a loop; an Event
 * written more often than that still counts.
 */
export function writesAtRest(writes: readonly AuditWrite[], from: number): AuditWrite[] {
  const inWindow = writes.filter((w) => w.at >= from && w.resource !== 'leases');
  const eventTimes = new Map<string, number[]>();
  for (const w of inWindow) if (w.resource === 'events' && w.verb === 'patch') eventTimes.set(`${w.component}/${w.name ?? ''}`, [...(eventTimes.get(`${w.component}/${w.name ?? ''}`) ?? []), w.at]);
  const paced = (times: number[]) => times.every((t, i) => i === 0 || t - (times[i - 1] ?? 0) >= 55_000);
  return inWindow.filter((w) => !(w.resource === 'events' && w.verb === 'patch' && paced(eventTimes.get(`${w.component}/${w.name ?? ''}`) ?? [])));
}
