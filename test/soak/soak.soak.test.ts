// The acceptance run of issue 20: a three-minute soak under faults with a fixed seed, as
// `npm run soak` runs it (the command is spawned and its --json result read), must pass: no
// invariant violated, every fault of its schedule injected and undone, the run converged at the
// end. A failure shows the report: the seed, the first violation with its objects, and the
// command that replays it. Needs root (network namespaces), like the integration tier.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { SoakResult } from './soak.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SEED = 20;

function soak(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/soak/main.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

it(`a three-minute soak under faults (seed ${SEED}) violates no invariant`, async () => {
  const run = await soak(['--minutes', '3', '--seed', String(SEED), '--json']);
  const lines = run.stdout.trimEnd().split('\n');
  const report = lines.slice(0, -1).join('\n');
  expect(run.code, `${report}\n\nlast progress lines:\n${run.stderr.split('\n').slice(-40).join('\n')}`).toBe(0);
  const result = JSON.parse(lines.at(-1) ?? '{}') as SoakResult;
  expect(result.seed).toBe(SEED);
  expect(result.violations, report).toEqual([]);
  expect(result.endState, report).toBeUndefined();
  // Every planned fault was injected and undone, and most kinds are among them.
  expect(result.faults.length).toBe(result.schedule.faults.length);
  for (const f of result.faults) expect(f.heldSeconds, `fault #${f.id} ${f.kind}`).toBeGreaterThan(0);
  expect(new Set(result.faults.map((f) => f.kind)).size).toBeGreaterThanOrEqual(8);
  // The report says what it measured: footprint of every akri-ts component, API writes counted by the API server.
  for (const c of result.footprint.filter((x) => x.ours)) expect(c.end?.rssMiB, c.component).toBeGreaterThan(0);
  expect(result.writes.total).toBeGreaterThan(0);
  expect(report).toContain('VIOLATIONS: 0');
}, 480_000);
