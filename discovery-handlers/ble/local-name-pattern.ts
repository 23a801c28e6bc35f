// The BLE local-name filter: a regular expression in RE2 syntax, matched by re2js (a pure
// JavaScript port of RE2) in time linear in the name. The name is chosen by whoever
// advertises nearby, so a backtracking engine (JavaScript's RegExp) would let one advertiser
// stall the handler for seconds with a pattern such as ^(a|a)*$; spotting bad patterns
// before use always misses some, while RE2 never backtracks. Why re2js and not the native
// `re2` binding or `re2-wasm`: see README.md in this folder.
//
// RE2 refuses what needs backtracking (lookaround, backreferences) and spells a few escapes
// differently; the common JavaScript habits get a message saying what to write instead.
import { RE2JS, RE2JSException } from 're2js';
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';

export const LOCAL_NAME_LIMITS = {
  /** Characters of the pattern as written. */
  patternLength: 256,
  /**
   * Instructions of the compiled program (RE2's own measure of a pattern's cost). Matching
   * costs at most program size × name length; at 128 a fresh 248-byte name takes well under
   * 1 ms. Real filters ("^Thermo-[0-9]+$") compile to about 20; `.{0,60}` alone is 122.
   */
  programSize: 128,
} as const;

export interface LocalNamePattern {
  readonly source: string;
  /** True when the pattern matches anywhere in the name, as RegExp.prototype.test does. */
  test(name: string): boolean;
}

/** JavaScript constructs RE2 does not have, with what to write instead. */
const NOT_IN_RE2: { construct: RegExp; advice: string }[] = [
  { construct: /\(\?<?[=!]/, advice: 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported' },
  { construct: /\\[1-9]|\\k</, advice: 'backreferences (\\1, \\k<name>) are not supported' },
  { construct: /\\u[0-9a-fA-F{]/, advice: 'write \\x{263A} for a code point, not \\u263A' },
  { construct: /\\c[A-Za-z]/, advice: 'control escapes (\\cX) are not supported; write \\x{01} and so on' },
  { construct: /\\p\{[A-Za-z_]+=/, advice: 'write \\p{Greek}, not \\p{Script=Greek}' },
];

export function compileLocalNamePattern(value: unknown, field: string): LocalNamePattern {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidDiscoveryDetails('expected a non-empty regular expression (RE2 syntax)', field);
  }
  if (value.length > LOCAL_NAME_LIMITS.patternLength) {
    throw new InvalidDiscoveryDetails(`at most ${LOCAL_NAME_LIMITS.patternLength} characters, got ${value.length}`, field);
  }
  const unescaped = value.replace(/\\\\/g, ''); // an escaped backslash starts no construct
  for (const { construct, advice } of NOT_IN_RE2) {
    if (construct.test(unescaped)) throw new InvalidDiscoveryDetails(`not RE2 syntax: ${advice}`, field);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(value);
  } catch (error) {
    const reason = error instanceof RE2JSException ? error.message : String(error);
    throw new InvalidDiscoveryDetails(`invalid regular expression (RE2 syntax): ${reason}`, field);
  }
  const size = compiled.programSize();
  if (size > LOCAL_NAME_LIMITS.programSize) {
    throw new InvalidDiscoveryDetails(
      `the pattern compiles to ${size} instructions; the limit is ${LOCAL_NAME_LIMITS.programSize} (large repeat counts such as {0,200} cost the most)`,
      field,
    );
  }
  return { source: value, test: (name) => compiled.test(name) };
}
