// udev match values behave like udevd's: fnmatch globs, `|` alternatives, empty-value rules.
import { describe, expect, it } from 'vitest';
import { compileUdevPattern } from './udev-pattern.ts';

const matches = (pattern: string, value: string | undefined) => compileUdevPattern(pattern).matches(value);

describe('udev match patterns', () => {
  it.each([
    ['video[0-9]*', 'video0', true],
    ['video[0-9]*', 'video10', true],
    ['video[0-9]*', 'video', false],
    ['video[0-9]*', 'blahvideo0', false],
    ['video*', 'video', true],
    ['tty?', 'ttyS', true],
    ['tty?', 'tty', false],
    ['tty?', 'ttyS0', false],
    ['ttyUSB[!0-3]', 'ttyUSB4', true],
    ['ttyUSB[!0-3]', 'ttyUSB2', false],
    ['ttyUSB[^0-3]', 'ttyUSB2', false],
    ['card[[:digit:]]', 'card7', true],
    ['card[[:digit:]]', 'cardx', false],
    ['[]x]', ']', true],
    ['[a-]', '-', true],
    ['[abc', '[abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['*', 'with/slash', true],
    ['?*', '', false],
    ['?*', 'x', true],
  ])('glob %j against %j is %s', (pattern, value, expected) => {
    expect(matches(pattern, value)).toBe(expected);
  });

  it('| separates alternatives, each matched on its own', () => {
    expect(matches('video*|vbi*', 'vbi0')).toBe(true);
    expect(matches('video*|vbi*', 'radio0')).toBe(false);
    expect(matches('usb|pci', 'pci')).toBe(true);
    expect(matches('usb|pci', 'usb|pci')).toBe(false);
  });

  it('a value without glob characters is compared literally, backslashes included', () => {
    expect(matches('a\\b', 'a\\b')).toBe(true);
    expect(matches('a\\b', 'ab')).toBe(false);
  });

  it('an empty value matches only the empty or unset string', () => {
    expect(matches('', '')).toBe(true);
    expect(matches('', undefined)).toBe(true);
    expect(matches('', 'x')).toBe(false);
  });

  it('an empty alternative lets the empty string match as well', () => {
    expect(matches('foo|', '')).toBe(true);
    expect(matches('foo|', 'foo')).toBe(true);
    expect(matches('foo|', 'bar')).toBe(false);
  });

  it('matches whole characters outside the Basic Multilingual Plane', () => {
    expect(matches('cam-?', 'cam-📷')).toBe(true);
  });

  it('says when the pattern itself ends in whitespace', () => {
    expect(compileUdevPattern('abc ').wantsTrailingWhitespace).toBe(true);
    expect(compileUdevPattern('abc').wantsTrailingWhitespace).toBe(false);
  });

  it('a pattern built to backtrack exponentially still answers in milliseconds', () => {
    const pattern = `${'*a'.repeat(40)}*b`;
    const value = 'a'.repeat(5000);
    const started = performance.now();
    expect(matches(pattern, value)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('unclosed brackets stay ordinary characters and cost one pass, however many there are', () => {
    expect(matches('[[!', '[[!')).toBe(true);
    expect(matches('[[:digit:]', '[d')).toBe(true); // '[' then the set [:digit:]
    expect(matches('a[[:xdigit:]]', 'aF')).toBe(true);
    expect(matches('[[:alpha:][!x]', '[')).toBe(true); // one set: alpha, '[', '!' and 'x'
    expect(matches('[!a[]', 'b')).toBe(true);
    const timeFor = (count: number): number => {
      const source = '[!'.repeat(count) + '[[:'.repeat(count) + '*'.repeat(count);
      const started = performance.now();
      compileUdevPattern(source);
      return performance.now() - started;
    };
    timeFor(1000); // warm up
    // Quadratic work took seconds for 20,000; linear work is a few milliseconds.
    expect(timeFor(20_000)).toBeLessThan(1000);
  });
});

