// Workload (run by ble-local-name.hostile.test.ts in a memory-capped child): generated
// local-name filters (random nestings of alternation, classes and counted repeats, plus the
// classic backtracking shapes) compiled by the handler's own parser, each matched against
// fresh 248-byte names chosen to be hard for it. A pattern's first matches build its DFA, so
// each measurement compiles the pattern anew; the fastest of three is kept.
//   args: <seed> <patterns>
import { compileLocalNamePattern, LOCAL_NAME_LIMITS } from '../../../discovery-handlers/ble/local-name-pattern.ts';
import { InvalidDiscoveryDetails } from '../../../lib/discovery/handler.ts';
import { reportResult } from '../support/bounded-child.ts';
import { pick, seededRandom, type Random } from '../support/seeded-random.ts';

const [seedText = '1', countText = '200'] = process.argv.slice(2);
const random = seededRandom(Number(seedText));
const ATOMS = ['a', 'b', '.', '[a-z]', '[a-m]', '\\d', '\\p{L}', '[^b]', '(?:a|a)', '(a|b)', 'é', '\\w', '\\s', '📷'];
const QUANTIFIERS = ['', '*', '+', '?', '{0,5}', '{0,20}', '{2,9}', '*?', '+?'];
const CLASSIC = ['^(a|a)*$', '^([a-z]|[a-m])*$', '^(a+)+$', '(x+x+)+y', '^(\\w|\\d)*!$', '(.*a){12}', '^(a|aa)+$', '(?i)^(A|a)*$'];

function generated(r: Random, depth = 0): string {
  let text = '';
  const parts = 1 + Math.floor(r() * 4);
  for (let i = 0; i < parts; i++) {
    const atom = depth < 3 && r() < 0.3 ? `(?:${generated(r, depth + 1)}|${generated(r, depth + 1)})` : pick(r, ATOMS);
    text += atom + pick(r, QUANTIFIERS);
  }
  return text;
}

/** 248 bytes of UTF-8 that keep a pattern busy: long runs, near-misses, multi-byte characters. */
function hostileName(r: Random): string {
  const shapes = [
    () => 'a'.repeat(247) + '!',
    () => 'ab'.repeat(124),
    () => 'x'.repeat(247) + 'z',
    () => 'é'.repeat(124),
    () => {
      let s = '';
      while (Buffer.byteLength(s) < 244) s += pick(r, ['a', 'b', 'z', '-', '0', 'é', ' ', '📷']);
      return s;
    },
  ];
  let name = pick(r, shapes)();
  while (Buffer.byteLength(name) > 248) name = name.slice(0, -1);
  return name;
}

// Warm the engine's own code first: the first few hundred matches in a process run before the
// JIT has compiled re2js, which is a cost of starting, not of any pattern.
const warmUp = seededRandom(999);
for (let i = 0; i < 300; i++) {
  try {
    const pattern = compileLocalNamePattern(generated(warmUp), 'warm-up');
    for (let n = 0; n < 5; n++) pattern.test(hostileName(warmUp));
  } catch {
    // refused patterns warm the parser
  }
}

let compiled = 0;
let refused = 0;
let slowestMeanMs = 0;
let slowestPattern = '';
let totalMs = 0;
let matches = 0;
const sources = [...CLASSIC, ...Array.from({ length: Number(countText) }, () => (random() < 0.5 ? '^' : '') + generated(random) + (random() < 0.5 ? '$' : ''))];
for (const source of sources) {
  try {
    compileLocalNamePattern(source, 'filters.localName');
  } catch (error) {
    if (!(error instanceof InvalidDiscoveryDetails)) throw error;
    refused += 1; // past the instruction limit, or not RE2: never runs
    continue;
  }
  compiled += 1;
  const names = Array.from({ length: 30 }, () => hostileName(random));
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3; attempt++) {
    const pattern = compileLocalNamePattern(source, 'filters.localName');
    const started = performance.now();
    for (const name of names) pattern.test(name);
    best = Math.min(best, (performance.now() - started) / names.length);
  }
  totalMs += best * names.length;
  matches += names.length;
  if (best > slowestMeanMs) {
    slowestMeanMs = best;
    slowestPattern = source;
  }
}

reportResult({ patterns: sources.length, compiled, refused, slowestMeanMs, slowestPattern, meanMs: totalMs / matches, programSizeLimit: LOCAL_NAME_LIMITS.programSize });
