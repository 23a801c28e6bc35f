// Writes to the API server as its audit log records them (test/real-node/audit-policy.ts): who
// wrote what, and which writes repeated the state the same writer had just written to the same
// object, i.e. wrote nothing new.
import { readFileSync, statSync } from 'node:fs';

export interface ApiWrite {
  user: string;
  verb: string;
  /** resource[/subresource] namespace/name, e.g. "instances akri/akri-udev-ce4650". */
  object: string;
  code: number;
  body: string;
  at: string;
}

interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  requestObject?: unknown;
  requestReceivedTimestamp?: string;
}

/** The audit log's size now: pass it to writesSince to read only what comes after. */
export function auditOffset(path: string): number {
  return statSync(path).size;
}

/** Completed writes logged after `offset`, oldest first. */
export function writesSince(path: string, offset: number): ApiWrite[] {
  const text = readFileSync(path).subarray(offset).toString('utf8');
  const writes: ApiWrite[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as AuditEvent;
    if (e.stage !== 'ResponseComplete' || !e.verb || !e.objectRef) continue;
    const r = e.objectRef;
    writes.push({
      user: e.user?.username ?? '',
      verb: e.verb,
      object: `${r.resource ?? ''}${r.subresource ? `/${r.subresource}` : ''} ${r.namespace ? `${r.namespace}/` : ''}${r.name ?? ''}`,
      code: e.responseStatus?.code ?? 0,
      body: JSON.stringify(e.requestObject ?? null),
      at: e.requestReceivedTimestamp ?? '',
    });
  }
  return writes;
}

/** Successful writes that repeat the previous successful write of the same user to the same object. */
export function repeatedWrites(writes: readonly ApiWrite[]): ApiWrite[] {
  const last = new Map<string, string>();
  const repeated: ApiWrite[] = [];
  for (const w of writes) {
    if (w.code >= 300) continue;
    const key = `${w.user} ${w.object}`;
    const request = `${w.verb} ${w.body}`;
    if (last.get(key) === request) repeated.push(w);
    last.set(key, request);
  }
  return repeated;
}

/** Number of writes per user and verb, e.g. {"system:serviceaccount:akri:akri-ts-agent": {"patch": 3}}. */
export function writeCounts(writes: readonly ApiWrite[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const w of writes) {
    const byVerb = (counts[w.user] ??= {});
    byVerb[w.verb] = (byVerb[w.verb] ?? 0) + 1;
  }
  return counts;
}
