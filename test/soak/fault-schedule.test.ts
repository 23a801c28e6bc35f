import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, formatSchedule, planFaults } from './fault-schedule.ts';
import { soakPhases } from './soak.ts';

const HOUR = soakPhases(60).faultMs;
const THREE = soakPhases(3).faultMs;

describe('the fault schedule', () => {
  it('is the same for the same seed, and printed the same', () => {
    expect(planFaults(1234, HOUR)).toEqual(planFaults(1234, HOUR));
    expect(formatSchedule(planFaults(1234, HOUR))).toBe(formatSchedule(planFaults(1234, HOUR)));
  });

  it('differs from seed to seed', () => {
    expect(formatSchedule(planFaults(1, HOUR))).not.toBe(formatSchedule(planFaults(2, HOUR)));
  });

  it('injects every kind of fault in an hour, for any seed', () => {
    for (let seed = 0; seed < 50; seed++) {
      const kinds = new Set(planFaults(seed, HOUR).faults.map((f) => f.kind));
      expect([...kinds].sort(), `seed ${seed}`).toEqual([...FAULT_KINDS].sort());
    }
  });

  it('injects most kinds even in three minutes', () => {
    for (let seed = 0; seed < 50; seed++) {
      expect(new Set(planFaults(seed, THREE).faults.map((f) => f.kind)).size, `seed ${seed}`).toBeGreaterThanOrEqual(7);
    }
  });

  it('keeps every fault inside the fault phase, numbered in time order, with faults of the issue\'s lengths', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { faults } = planFaults(seed, HOUR);
      faults.forEach((f, i) => expect(f.id).toBe(i + 1));
      for (const f of faults) {
        expect(f.atMs + f.durationMs).toBeLessThanOrEqual(HOUR);
        if (f.kind === 'apiserver-stop') expect(f.durationMs).toBeLessThanOrEqual(90_000);
      }
      expect(faults.map((f) => f.atMs)).toEqual([...faults.map((f) => f.atMs)].sort((a, b) => a - b));
    }
  });

  it('never hits the same target twice at once within an episode', () => {
    for (let seed = 0; seed < 50; seed++) {
      const { faults } = planFaults(seed, HOUR);
      for (const e of new Set(faults.map((f) => f.episode))) {
        const targets = faults.filter((f) => f.episode === e).map((f) => `${f.kind}/${f.node ?? ''}/${f.segment ?? ''}/${f.device ?? ''}`);
        expect(new Set(targets).size).toBe(targets.length);
      }
    }
  });

  it('leaves a quiet gap of at least 45 s after each episode of an hour-long run', () => {
    const { faults } = planFaults(99, HOUR);
    const episodes = [...new Set(faults.map((f) => f.episode))];
    for (const e of episodes.slice(1)) {
      const previousEnd = Math.max(...faults.filter((f) => f.episode === e - 1).map((f) => f.atMs + f.durationMs));
      const start = Math.min(...faults.filter((f) => f.episode === e).map((f) => f.atMs));
      expect(start - previousEnd).toBeGreaterThanOrEqual(45_000);
    }
  });

  it('flaps a device faster than the grace period, ending online', () => {
    for (let seed = 0; seed < 50; seed++) {
      for (const f of planFaults(seed, HOUR).faults.filter((x) => x.kind === 'device-flap')) {
        expect(f.flapMs?.length ?? 0).toBeGreaterThan(0);
        expect((f.flapMs?.length ?? 0) % 2).toBe(0);
        for (const phase of f.flapMs ?? []) expect(phase).toBeLessThanOrEqual(4000);
      }
    }
  });
});
