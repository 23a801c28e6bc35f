// Class 1 of issue 16: super-linear parsing of udev rules. Every generated rule up to the
// maximum length parses in under 50 ms and matches a 4 KiB sysfs value in under 100 ms, in a
// process whose heap is capped at 128 MB; a longer rule is refused at once, naming the limit.
// Times are the fastest of three runs per input, so a scheduler pause is not counted.
import { describe, expect, it } from 'vitest';
import { UDEV_LIMITS } from '../../discovery-handlers/udev/udev-discovery-details.ts';
import { runBoundedChild } from './support/bounded-child.ts';

interface UdevResult {
  rules: number;
  parsed: number;
  slowestParseMs: number;
  slowestMatchMs: number;
  slowestRule: string;
  overLimitMessage: string;
  overLimitMs: number;
}

describe('udev rules built to make the parser rescan', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: 300 generated rules of ${UDEV_LIMITS.ruleLength} characters each parse in < 50 ms and match in < 100 ms, within 200 MB`, async () => {
      const run = await runBoundedChild<UdevResult>('test/hostile/workloads/udev-rules.ts', [String(seed), '300'], {
        maxOldSpaceMb: 128,
        timeoutMs: 120_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const r = run.result;
      expect(r.parsed).toBe(r.rules); // the pieces are all valid glob syntax: nothing is refused
      expect(r.slowestParseMs, `slowest rule: ${r.slowestRule}`).toBeLessThan(50);
      expect(r.slowestMatchMs).toBeLessThan(100);
      expect(r.maxRssMb).toBeLessThan(200);
      expect(r.overLimitMessage).toMatch(new RegExp(`udevRules\\[0\\]: the rule is \\d+ characters long; the limit is ${UDEV_LIMITS.ruleLength}`));
      expect(r.overLimitMs).toBeLessThan(50);
    });
  }
});
