// Class 2 of issue 16: regular expressions that backtrack. Local-name filters generated at
// random (nested alternation, classes, counted repeats) and the classic catastrophic shapes,
// each compiled by the handler's own parser and matched against fresh 248-byte names built to
// be hard for it, in a process whose heap is capped at 128 MB. Every filter that compiles
// matches any of them in under 1 ms per name (fastest of three cold runs); JavaScript's own
// engine needs seconds to years for the classic shapes.
import { describe, expect, it } from 'vitest';
import { runBoundedChild } from './support/bounded-child.ts';

interface BleResult {
  patterns: number;
  compiled: number;
  refused: number;
  slowestMeanMs: number;
  slowestPattern: string;
  meanMs: number;
}

describe('BLE local-name filters built to backtrack', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: every filter matches any 248-byte name in < 1 ms, within 200 MB`, async () => {
      const run = await runBoundedChild<BleResult>('test/hostile/workloads/ble-names.ts', [String(seed), '400'], { maxOldSpaceMb: 128, timeoutMs: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      const r = run.result;
      expect(r.compiled).toBeGreaterThan(150); // the bound is about filters that run, so enough must run
      expect(r.slowestMeanMs, `slowest: ${r.slowestPattern}`).toBeLessThan(1);
      expect(r.maxRssMb).toBeLessThan(200);
    });
  }
});
