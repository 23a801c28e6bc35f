// Class 4 of issue 16: files that crash or swamp `akri-ts validate`, and discoveryDetails
// that would do the same to every agent. Each file family, built as large as the limits allow,
// is validated by the real command in a process of its own: exit status 0 or 1, every line
// "file:line: [object: ]field: message", no stack trace, under 5 s and 300 MB. Files over the
// size limit are refused at once, naming the limit. The handlers' own details parsers get the
// same families at the details limits and only ever answer InvalidDiscoveryDetails.
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../../cli/validate/main.ts';
import { MAX_FILE_TOKENS } from '../../cli/validate/validate-configuration.ts';
import { runBoundedChild } from './support/bounded-child.ts';
import { hostileFamilies } from './support/hostile-yaml.ts';
import { pick, seededRandom } from './support/seeded-random.ts';

const dir = mkdtempSync(join(tmpdir(), 'akri-ts-hostile-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ValidateRun {
  status: number;
  ms: number;
}

/** Every output line of validate is a problem naming file, line and field, or a "valid" line. */
function expectWellFormed(stdout: string, files: string[]): void {
  const lines = stdout.trim().split('\n').slice(0, -1).filter((l) => l !== '');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const file = files.find((f) => line.startsWith(`${f}:`));
    expect(file, line).toBeDefined();
    const rest = line.slice((file ?? '').length);
    // file:line: [object: ]field: message, the field a path such as spec.x[0] or a quoted key.
    expect(rest, line).toMatch(/^:[1-9]\d*: (?:[^:]+: )?(?:\(file\)|\(document\)|[A-Za-z[].*?): \S|^: valid: Configuration /);
  }
  expect(stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

async function validate(files: string[]): Promise<Awaited<ReturnType<typeof runBoundedChild<ValidateRun>>>> {
  return runBoundedChild<ValidateRun>('test/hostile/workloads/validate-cli.ts', files, { maxOldSpaceMb: 512, timeoutMs: 60_000 });
}

describe('akri-ts validate on files built to swamp it', () => {
  const families = hostileFamilies(MAX_FILE_TOKENS - 1000, MAX_FILE_BYTES);
  for (const [family, text] of Object.entries(families)) {
    it(`${family}: exit 0 or 1, every message placed, < 5 s and < 300 MB`, async () => {
      const file = join(dir, `${family.replaceAll(' ', '-')}.yaml`);
      writeFileSync(file, text);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_FILE_BYTES);
      const run = await validate([file]);
      console.log(JSON.stringify({ measured: `validate: ${family}`, ms: Math.round(run.result.ms), maxRssMb: Math.round(run.result.maxRssMb) }));
      expect([0, 1]).toContain(run.result.status);
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expectWellFormed(run.stdout, [file]);
      expect(run.result.ms).toBeLessThan(5000);
      expect(run.result.maxRssMb).toBeLessThan(300);
    });
  }

  it('a file over the size limit (2 MiB, and a sparse 50 MB one) is refused unread, naming the limit', async () => {
    const two = join(dir, 'two-mib.yaml');
    writeFileSync(two, 'a: "'.padEnd(2 * 1024 * 1024, 'x'));
    const fifty = join(dir, 'fifty-mb.yaml');
    writeFileSync(fifty, '');
    truncateSync(fifty, 50 * 1000 * 1000);
    const run = await validate([two, fifty]);
    expect(run.result.status).toBe(1);
    expect(run.stdout).toContain(`${two}:1: (file): is ${2 * 1024 * 1024} bytes; the limit is ${MAX_FILE_BYTES} bytes (1 MiB), and it was not read`);
    expect(run.stdout).toContain(`${fifty}:1: (file): is 50000000 bytes; the limit is ${MAX_FILE_BYTES} bytes`);
    expect(run.result.ms).toBeLessThan(1000);
    expect(run.result.maxRssMb).toBeLessThan(300);
  });

  it('a missing file and a directory are problems of that file (exit 1), not a crash', async () => {
    const run = await validate([join(dir, 'no-such-file.yaml'), dir]);
    expect(run.result.status).toBe(1);
    expect(run.stdout).toContain(`${join(dir, 'no-such-file.yaml')}:1: (file): cannot be read: ENOENT`);
    expect(run.stdout).toContain(`${dir}:1: (file): is not a regular file`);
  });

  it('400 random mutations of the Akri samples: exit 0 or 1, every line well formed, no stack trace', async () => {
    const samples = join(import.meta.dirname, '..', 'fixtures', 'akri-samples');
    const texts = readdirSync(samples).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(samples, f), 'utf8'));
    const random = seededRandom(16);
    const pieces = ['&a ', '*a', '<<: *a\n', '[', ']', '{', '}', ': ', '- ', '\t', '"', "'", '\n---\n', '|\n', '%YAML 1.1\n', '!!binary ', '\u0000', '#', '  ', 'discoveryDetails: |\n  udevRules: ["KERNEL==\\"[[[\\""]\n'];
    const files: string[] = [];
    for (let i = 0; i < 400; i++) {
      const chars = Array.from(pick(random, texts));
      for (let edit = 0; edit < 1 + Math.floor(random() * 6); edit++) {
        const at = Math.floor(random() * (chars.length + 1));
        const choice = random();
        if (choice < 0.3) chars.splice(at, 1 + Math.floor(random() * 20));
        else if (choice < 0.6) chars.splice(at, 0, pick(random, pieces));
        else chars.splice(at, 0, ...chars.slice(Math.floor(random() * chars.length), Math.floor(random() * chars.length)));
      }
      const file = join(dir, `mutated-${i}.yaml`);
      writeFileSync(file, chars.join(''));
      files.push(file);
    }
    const run = await validate(files);
    expect([0, 1]).toContain(run.result.status);
    expectWellFormed(run.stdout, files);
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(run.result.maxRssMb).toBeLessThan(300);
  });
});

describe('discoveryDetails built to swamp every agent', () => {
  it('each hostile family at the details limits gets InvalidDiscoveryDetails or a result from every handler, in < 1 s each, < 300 MB', async () => {
    const run = await runBoundedChild<{ slowestMs: number; slowest: string; unexpected: string[] }>('test/hostile/workloads/details-yaml.ts', [], {
      maxOldSpaceMb: 256,
      timeoutMs: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.result.unexpected).toEqual([]);
    expect(run.result.slowestMs, run.result.slowest).toBeLessThan(1000);
    expect(run.result.maxRssMb).toBeLessThan(300);
  });
});
