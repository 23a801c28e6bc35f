// Workload (run by udev-rules.hostile.test.ts in a memory-capped child): generated udev rules
// of the maximum length, built from the pieces that made the old glob parser rescan ("[", "[!",
// "[[:", ranges, escapes, stars) and mixed with real syntax; each parsed through the handler's
// own details parser (what every agent runs) and each of its patterns matched against a value
// as long as a sysfs attribute can be. Reports the slowest parse and match.
//   args: <seed> <rules>
import { parseUdevDiscoveryDetails, UDEV_LIMITS } from '../../../discovery-handlers/udev/udev-discovery-details.ts';
import { InvalidDiscoveryDetails } from '../../../lib/discovery/handler.ts';
import { fastestOf, reportResult } from '../support/bounded-child.ts';
import { fromPieces, pick, seededRandom } from '../support/seeded-random.ts';

const [seedText = '1', countText = '300'] = process.argv.slice(2);
const random = seededRandom(Number(seedText));
const PATTERN_PIECES = ['[', '[!', '[^', '[[:', '[[:alpha:]', '[[:xdigit:]]', '[a-', '[a-z]', ']', '\\', '\\[', '*', '?', '|', 'a', 'b', '-', ':', '!', '📷'];
const KEYS = ['KERNEL', 'SUBSYSTEM', 'DRIVER', 'ATTR{idVendor}', 'ATTRS{product}', 'ENV{ID_PATH}', 'TAG', 'KERNELS', 'SYMLINK', 'DEVPATH'];
/** A sysfs attribute is at most one page. */
const VALUES = ['a'.repeat(2048) + '['.repeat(1024) + 'b'.repeat(1024), 'a'.repeat(4096)];
/** Shapes built for the worst case of the glob walk (length of pattern × length of value). */
const CRAFTED = [
  `KERNEL=="*${'a'.repeat(1000)}b"`,
  `KERNEL=="${'*a'.repeat(505)}b"`,
  `KERNEL=="${'*?'.repeat(505)}b"`,
  `KERNEL=="*${'[ab]'.repeat(250)}c"`,
  `KERNEL=="${'['.repeat(1014)}"`,
  `KERNEL=="${'[!'.repeat(507)}"`,
  `KERNEL=="${'[[:'.repeat(338)}"`,
];

function hostileRule(): string {
  const conditions = 1 + Math.floor(random() * 4);
  const per = Math.floor((UDEV_LIMITS.ruleLength - conditions * 20) / conditions);
  const parts: string[] = [];
  for (let i = 0; i < conditions; i++) {
    const value = fromPieces(random, PATTERN_PIECES, per).replaceAll('"', '');
    parts.push(`${pick(random, KEYS)}${random() < 0.3 ? '!=' : '=='}"${value.endsWith('\\') ? `${value}x` : value}"`);
  }
  return parts.join(', ').slice(0, UDEV_LIMITS.ruleLength);
}

let slowestParseMs = 0;
let slowestMatchMs = 0;
let parsed = 0;
let refused = 0;
let slowestRule = '';
for (let i = 0; i < Number(countText) + CRAFTED.length; i++) {
  const rule = CRAFTED[i] ?? hostileRule();
  const details = JSON.stringify({ udevRules: [rule] });
  let rules: ReturnType<typeof parseUdevDiscoveryDetails>['rules'] = [];
  const parseMs = fastestOf(3, () => {
    try {
      rules = parseUdevDiscoveryDetails(details).rules;
    } catch (error) {
      if (!(error instanceof InvalidDiscoveryDetails)) throw error;
      rules = [];
    }
  });
  if (rules.length > 0) parsed += 1;
  else refused += 1;
  if (parseMs > slowestParseMs) {
    slowestParseMs = parseMs;
    slowestRule = rule;
  }
  for (const condition of rules[0]?.conditions ?? []) {
    for (const value of VALUES) slowestMatchMs = Math.max(slowestMatchMs, fastestOf(3, () => condition.pattern.matches(value)));
  }
}

// One past the limit is refused by the same parser, at once, with the limit in the message.
const tooLong = `KERNEL=="${'['.repeat(UDEV_LIMITS.ruleLength)}"`;
let overLimitMessage = '';
const overLimitMs = fastestOf(1, () => {
  try {
    parseUdevDiscoveryDetails(JSON.stringify({ udevRules: [tooLong.repeat(20)] }));
  } catch (error) {
    overLimitMessage = (error as Error).message;
  }
});

reportResult({ rules: Number(countText) + CRAFTED.length, parsed, refused, slowestParseMs, slowestMatchMs, slowestRule: slowestRule.slice(0, 120), overLimitMessage, overLimitMs });
