// Property tests: whatever a Configuration author types, the parser either returns a rule or
// throws UdevRuleError with a column inside the rule, and neither parsing nor matching the
// resulting patterns takes long. A seeded generator keeps failures reproducible.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileUdevPattern } from './udev-pattern.ts';
import { parseUdevRule } from './udev-rule-parser.ts';
import { UdevRuleError } from './udev-rule.ts';

/** mulberry32: tiny, seedable, good enough to spread test inputs. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'KERNEL', 'KERNELS', 'ATTR', 'ATTRS', 'ENV', 'TAG', 'TAGS', 'DRIVER', 'DRIVERS', 'SUBSYSTEM', 'SUBSYSTEMS',
  'DEVPATH', 'SYMLINK', 'RUN', 'ACTION', 'NAME', '{', '}', '{idVendor}', '==', '!=', '=', '+=', '-=', ':=', '"',
  '\\"', '\\', ',', ' ', '\t', '\n', '*', '?', '[', ']', '[!', '[:digit:]', '-', '|', 'a', 'video', '0', 'é', '📷',
  '\u0000', 'e"', '..', '/',
];

const SEEDS_FILE = new URL('../../test/fixtures/udev/real-world-supported.rules', import.meta.url);
const REAL_RULES = readFileSync(SEEDS_FILE, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => line.slice(line.indexOf('\t') + 1));

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

function randomRule(next: () => number): string {
  const length = Math.floor(next() * 30);
  let rule = '';
  for (let i = 0; i < length; i += 1) rule += pick(next, PIECES);
  return rule;
}

function mutate(next: () => number, rule: string): string {
  const chars = Array.from(rule);
  const edits = 1 + Math.floor(next() * 4);
  for (let i = 0; i < edits; i += 1) {
    const at = Math.floor(next() * (chars.length + 1));
    const choice = next();
    if (choice < 0.33) chars.splice(at, 1);
    else if (choice < 0.66) chars.splice(at, 0, pick(next, PIECES));
    else chars.splice(at, 1, pick(next, PIECES));
  }
  return chars.join('');
}

/**
 * A hang guard, not a speed figure: exponential backtracking on these inputs would take hours,
 * while a loaded CI machine can pause a healthy run for a few hundred ms (GC, other tests).
 */
const HANG_GUARD_MS = 5000;

/** Parses and then exercises every pattern; returns how long that took in ms. */
function exercise(rule: string, next: () => number): number {
  const started = performance.now();
  try {
    const parsed = parseUdevRule(rule);
    for (const condition of parsed.conditions) {
      condition.pattern.matches(randomRule(next));
      condition.pattern.matches('a'.repeat(2000));
    }
  } catch (error) {
    expect(error).toBeInstanceOf(UdevRuleError);
    const column = (error as UdevRuleError).column;
    expect(column).toBeGreaterThanOrEqual(1);
    expect(column).toBeLessThanOrEqual(rule.length + 1);
  }
  return performance.now() - started;
}

describe('the udev rule parser under random input', () => {
  it('random rules built from rule-like pieces only parse or fail with UdevRuleError, quickly', () => {
    const next = random(7);
    let slowest = 0;
    for (let i = 0; i < 4000; i += 1) slowest = Math.max(slowest, exercise(randomRule(next), next));
    expect(slowest).toBeLessThan(HANG_GUARD_MS);
  });

  it('mutated real-world rules only parse or fail with UdevRuleError, quickly', () => {
    const next = random(11);
    let slowest = 0;
    for (let i = 0; i < 4000; i += 1) slowest = Math.max(slowest, exercise(mutate(next, pick(next, REAL_RULES)), next));
    expect(slowest).toBeLessThan(HANG_GUARD_MS);
  });

  it('glob patterns made of stars and classes never take long, whatever they are matched against', () => {
    const next = random(13);
    const pieces = ['*', '?', 'a', 'b', '[ab]', '[!a]', '|', '\\'];
    let slowest = 0;
    for (let i = 0; i < 500; i += 1) {
      let source = '';
      for (let j = 0; j < 60; j += 1) source += pick(next, pieces);
      const pattern = compileUdevPattern(source);
      let value = '';
      for (let j = 0; j < 3000; j += 1) value += next() < 0.9 ? 'a' : 'b';
      const started = performance.now();
      pattern.matches(value);
      slowest = Math.max(slowest, performance.now() - started);
    }
    expect(slowest).toBeLessThan(HANG_GUARD_MS);
  });

  it('every generated well-formed rule parses to its conditions', () => {
    const next = random(17);
    const keys = ['KERNEL', 'SUBSYSTEM', 'DRIVER', 'TAG', 'DEVPATH', 'KERNELS', 'SUBSYSTEMS', 'DRIVERS', 'TAGS', 'SYMLINK'];
    const named = ['ATTR', 'ATTRS', 'ENV'];
    for (let i = 0; i < 1000; i += 1) {
      const count = 1 + Math.floor(next() * 5);
      const parts: string[] = [];
      const expected: { key: string; negated: boolean; value: string }[] = [];
      for (let j = 0; j < count; j += 1) {
        const withName = next() < 0.4;
        const key = withName ? pick(next, named) : pick(next, keys);
        const negated = next() < 0.3;
        const value = randomRule(next).replace(/["\\]/g, '');
        parts.push(`${key}${withName ? '{id_x}' : ''}${negated ? '!=' : '=='}"${value}"`);
        expected.push({ key, negated, value });
      }
      const rule = parts.join(pick(next, [',', ', ', ' ,', ' ']));
      const parsed = parseUdevRule(rule);
      expect(parsed.conditions.map((c) => ({ key: c.key, negated: c.negated, value: c.pattern.source }))).toEqual(expected);
    }
  });
});
