// `npm run soak -- --minutes N --seed S [--json] [--dir D] [--keep]`: one seeded soak under
// faults (test/soak/soak.ts), then its report. Exit 0 when no invariant was violated, 1 when
// one was (the seed and the first violation are printed, with the command that replays it),
// 2 on bad flags. --json prints the same result as one JSON object on the last line. Needs
// root (network namespaces) and the Kubernetes binaries (tools/kube-binaries/build.sh).
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSchedule, planFaults } from './fault-schedule.ts';
import { formatReport } from './soak-report.ts';
import { runSoak, soakPhases } from './soak.ts';

const USAGE = `usage: npm run soak -- [--minutes N] [--seed S] [--json] [--dir D] [--keep]
  --minutes N   length of the run after set-up (default 60, at least 3)
  --seed S      the seed of the fault schedule and the users' choices (default: a random one, printed)
  --json        print the result as one JSON object on the last line
  --dir D       working directory (default: a new one under the temporary directory)
  --keep        keep the working directory (logs, audit log, checkpoints) even when the run passes
`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '60' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  process.stderr.write(`soak: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? randomInt(2 ** 31) : Number(values.seed);
if (!Number.isFinite(minutes) || minutes < 3) {
  process.stderr.write(`soak: --minutes must be a number >= 3, got "${values.minutes}"\n${USAGE}`);
  process.exit(2);
}
if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
  process.stderr.write(`soak: --seed must be an integer from 0 to 2^32-1, got "${values.seed ?? ''}"\n${USAGE}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('soak: needs root (network namespaces for the nodes and devices)\n');
  process.exit(2);
}
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'akri-ts-soak-'));
const say = (line: string): void => void process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
say(`seed ${seed}, ${minutes} min; working directory ${dir}`);
say(formatSchedule(planFaults(seed, soakPhases(minutes).faultMs)));
const interrupt = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => interrupt.abort());
let result;
try {
  result = await runSoak({ minutes, seed, dir, say, signal: interrupt.signal });
} catch (err) {
  // Not a violation: the site could not be set up, a fault could not be undone, or Ctrl-C.
  say(`the soak did not complete (seed ${seed}): ${(err as Error).message}`);
  say(`kept ${dir}`);
  process.exit(interrupt.signal.aborted ? 130 : 1);
}
process.stdout.write(`${formatReport(result)}\n`);
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
if (result.passed && !values.keep && values.dir === undefined) rmSync(dir, { recursive: true, force: true });
else say(`kept ${dir}`);
process.exit(result.passed ? 0 : 1);
