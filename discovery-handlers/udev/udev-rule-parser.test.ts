// The rule parser accepts what udevd accepts for matching and rejects, with a column, what
// cannot select devices: assignments, action keys, event keys and typos.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUdevRule } from './udev-rule-parser.ts';
import { UdevRuleError } from './udev-rule.ts';

const FIXTURES = new URL('../../test/fixtures/udev/', import.meta.url);

function fixtureLines(name: string): [string, string][] {
  return readFileSync(new URL(name, FIXTURES), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const tab = line.indexOf('\t');
      return [line.slice(0, tab), line.slice(tab + 1)];
    });
}

function parseError(rule: string): UdevRuleError {
  try {
    parseUdevRule(rule);
  } catch (error) {
    if (error instanceof UdevRuleError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(rule)} to be rejected`);
}

describe('parsing udev rules', () => {
  it('reads keys, names, operators and values in order', () => {
    const rule = parseUdevRule('KERNEL=="video[0-9]*", SUBSYSTEM!="usb", ATTRS{idVendor}=="05a9", ENV{ID_BUS}==""');
    expect(
      rule.conditions.map((c) => ({ key: c.key, name: c.name, negated: c.negated, value: c.pattern.source, column: c.column })),
    ).toEqual([
      { key: 'KERNEL', name: undefined, negated: false, value: 'video[0-9]*', column: 1 },
      { key: 'SUBSYSTEM', name: undefined, negated: true, value: 'usb', column: 24 },
      { key: 'ATTRS', name: 'idVendor', negated: false, value: '05a9', column: 42 },
      { key: 'ENV', name: 'ID_BUS', negated: false, value: '', column: 67 },
    ]);
  });

  it('turns \\" inside a value into a quote and keeps other backslashes for the glob', () => {
    const [model, glob] = parseUdevRule('ATTRS{model}=="Disk \\"X\\"", KERNEL=="a\\*"').conditions;
    expect(model?.pattern.source).toBe('Disk "X"');
    expect(glob?.pattern.source).toBe('a\\*');
  });

  it('allows a trailing comma and surrounding whitespace', () => {
    expect(parseUdevRule('  KERNEL=="null",  ').conditions).toHaveLength(1);
  });

  it.each(fixtureLines('real-world-supported.rules'))('accepts %s conditions in %s', (count, rule) => {
    expect(parseUdevRule(rule).conditions).toHaveLength(Number(count));
  });

  it.each(fixtureLines('real-world-rejected.rules'))('rejects at %j: %s', (token, rule) => {
    const error = parseError(rule);
    const expectedColumn = token === '' ? 1 : rule.indexOf(token) + 1;
    expect(error.column).toBe(expectedColumn);
    expect(error.message).toContain(`column ${expectedColumn}`);
    expect(error.message).toContain(JSON.stringify(rule));
  });

  it('says why an action key cannot select devices', () => {
    expect(parseError('SUBSYSTEM=="usb", RUN+="x"').reason).toMatch(/RUN is an action/);
    expect(parseError('ACTION=="add"').reason).toMatch(/kind of uevent/);
    expect(parseError('TAG+="uaccess"').reason).toMatch(/can only match, with == or !=/);
    expect(parseError('kernel=="x"').reason).toMatch(/unknown key kernel; the match keys are DEVPATH, KERNEL/);
  });

  it('rejects an empty rule instead of matching every device', () => {
    expect(parseError('   ').reason).toMatch(/empty/);
  });
});
