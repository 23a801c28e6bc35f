// The soak's result as a person reads it: the faults injected by kind with their convergence
// times, the violations (the first one with the objects involved, and the command that replays
// the seed), each component's footprint from the warm-up to the end, and the API writes.
import { FAULT_KINDS } from './fault-schedule.ts';
import type { SoakResult } from './soak.ts';

/** Nearest-rank percentile of seconds; '-' when there are none. */
export function percentile(xs: readonly number[], p: number): string {
  if (xs.length === 0) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0).toFixed(1);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

export function replayCommand(r: Pick<SoakResult, 'minutes' | 'seed'>): string {
  return `npm run soak -- --minutes ${r.minutes} --seed ${r.seed}`;
}

export function formatReport(r: SoakResult): string {
  const out: string[] = [];
  out.push(
    `akri-ts soak, seed ${r.seed}, ${r.minutes} min (set-up ${r.phases.setupSeconds} s, then warm-up ${r.phases.warmupSeconds} s, faults ${r.phases.faultSeconds} s, quiet ${r.phases.quietSeconds} s): ${r.passed ? 'PASSED' : 'FAILED'}`,
    `replay: ${replayCommand(r)}`,
    '',
  );
  const rows = [['FAULT', 'INJECTED', 'HELD s', 'CONVERGED ALONE p50/p99 s (n)', 'WITH OTHERS p50/p99 s (n)', 'NOT CONVERGED BEFORE NEXT']];
  for (const kind of FAULT_KINDS) {
    const faults = r.faults.filter((f) => f.kind === kind);
    if (faults.length === 0) continue;
    const c = r.convergence[kind] ?? { alone: [], together: [], censored: 0 };
    rows.push([
      kind,
      String(faults.length),
      faults.reduce((s, f) => s + (f.heldSeconds ?? 0), 0).toFixed(0),
      c.alone.length ? `${percentile(c.alone, 50)}/${percentile(c.alone, 99)} (${c.alone.length})` : '-',
      c.together.length ? `${percentile(c.together, 50)}/${percentile(c.together, 99)} (${c.together.length})` : '-',
      String(c.censored),
    ]);
  }
  out.push(table(rows), '');
  out.push(`VIOLATIONS: ${r.violations.length}`);
  const byInvariant = new Map<string, number>();
  for (const v of r.violations) byInvariant.set(v.invariant, (byInvariant.get(v.invariant) ?? 0) + 1);
  if (byInvariant.size > 0) out.push(`  by invariant: ${[...byInvariant].map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  for (const v of r.violations.slice(0, 10)) out.push(`  [${v.invariant}] +${v.second} s (seen ${v.seen}x): ${v.message}`);
  const first = r.violations[0];
  if (first) {
    out.push('', `FIRST VIOLATION (seed ${first.seed}, invariant ${first.invariant}, +${first.second} s, ${new Date(first.at).toISOString()}):`, `  ${first.message}`);
    out.push(`  objects: ${JSON.stringify(first.objects, null, 2).split('\n').join('\n  ')}`);
    out.push(`  replay: ${replayCommand(r)}`);
  }
  out.push('', 'FOOTPRINT (median of the last 30 s of the warm-up -> of the run; processes = starts)');
  const fp = [['COMPONENT', 'PROCESSES', 'RSS MiB', 'PEAK MiB', 'FDS', 'SOCKETS']];
  for (const c of r.footprint) {
    const rss = c.baseline && c.end ? `${c.baseline.rssMiB} -> ${c.end.rssMiB} (${c.end.rssMiB >= c.baseline.rssMiB ? '+' : ''}${(((c.end.rssMiB - c.baseline.rssMiB) / c.baseline.rssMiB) * 100).toFixed(0)}%)` : '-';
    fp.push([
      `${c.component}${c.ours ? '' : ' (not akri-ts)'}`,
      String(c.processes),
      rss,
      String(c.peakRssMiB),
      c.baseline && c.end ? `${c.baseline.fds} -> ${c.end.fds}` : '-',
      c.baseline && c.end ? `${c.baseline.sockets} -> ${c.end.sockets}` : '-',
    ]);
  }
  out.push(table(fp), '');
  out.push(
    `API WRITES by akri-ts components (the API server's audit log): ${r.writes.total}, besides ${r.writes.leaseRenewals} Lease renewals; by component: ${Object.entries(r.writes.byComponent).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `  per minute: ${r.writes.perMinute.join(' ')}`,
    `  from a minute after the last fault was undone to the end: ${r.writes.atRest.length}`,
  );
  if (r.endState) out.push('', `NOT CONVERGED AT THE END: ${r.endState}`);
  return out.join('\n');
}
