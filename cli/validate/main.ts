// `akri-ts validate <file>...`: offline checks of Configurations, for a terminal or a script.
// Exit 0 when every Configuration is valid, 1 when any is not (or a file cannot be read or is
// too large), 2 for a mistake on the command line. A file larger than MAX_FILE_BYTES is
// refused before it is read, and nothing in a file can end the run with a stack trace.
import { open } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { validateConfigurationText, WHOLE_FILE, type ValidationProblem } from './validate-configuration.ts';

/**
 * Largest file validate reads. The API server refuses an object over about 1.5 MiB (etcd's
 * request limit), so a Configuration file is never near this; within it, any content is
 * checked in under 5 s and 300 MB (test/hostile/validate-files.hostile.test.ts).
 */
export const MAX_FILE_BYTES = 1024 * 1024;

const usage = `usage: akri-ts validate [--output text|json] <configuration.yaml>...

Checks each Configuration in the files offline: against the configurations.akri.sh schema
(the one the API server enforces, CEL rules included) and against its discovery handler's own
parse of discoveryDetails (udev rules, filters, CIDRs, serial settings, URLs).
Other kinds in the files (Secrets, ConfigMaps) are skipped. Use "-" to read standard input.

flags:
  --output text|json   text (default) or one JSON object per run, for scripts
  -h, --help           this help
Files larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB are refused unread. Every problem names the file, the line and the
field ("(document)" or "(file)" when it concerns a whole YAML document or the whole file).
exit status: 0 all valid, 1 problems found (also: a file unreadable or too large), 2 usage error
`;

interface FileResult {
  file: string;
  configurations: string[];
  skipped: string[];
  problems: ValidationProblem[];
}

class FileRefused extends Error {}

/** Reads at most MAX_FILE_BYTES; a larger file (or standard input) is refused, naming the limit. */
async function readInput(file: string): Promise<string> {
  const tooLarge = (size: string): FileRefused =>
    new FileRefused(`is ${size}; the limit is ${MAX_FILE_BYTES} bytes (${MAX_FILE_BYTES / 1024 / 1024} MiB), and it was not read`);
  if (file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      size += (chunk as Buffer).length;
      if (size > MAX_FILE_BYTES) throw tooLarge(`more than ${MAX_FILE_BYTES} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new FileRefused(`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new FileRefused('is not a regular file');
    if (stats.size > MAX_FILE_BYTES) throw tooLarge(`${stats.size} bytes`);
    // Read one byte past the limit: a file that grew since stat is still caught.
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_FILE_BYTES) throw tooLarge(`more than ${MAX_FILE_BYTES} bytes`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch (err) {
    if (err instanceof FileRefused) throw err;
    throw new FileRefused(`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    await handle.close();
  }
}

async function validateFile(file: string): Promise<FileResult> {
  const fileProblem = (message: string): FileResult => ({
    file,
    configurations: [],
    skipped: [],
    problems: [{ object: '', field: WHOLE_FILE, line: 1, message }],
  });
  let text: string;
  try {
    text = await readInput(file);
  } catch (err) {
    return fileProblem(err instanceof FileRefused ? err.message : `cannot be read: ${String(err)}`);
  }
  try {
    const report = await validateConfigurationText(text);
    if (report.configurations.length === 0 && report.problems.length === 0) {
      report.problems.push({ object: '', field: WHOLE_FILE, line: 1, message: 'holds no Configuration (kind: Configuration, apiVersion: akri.sh/v0)' });
    }
    return { file, ...report };
  } catch (err) {
    // validateConfigurationText contains its own failures; this is the last net, so that a
    // user never sees a stack trace for what a file holds.
    return fileProblem(`could not be checked: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/** One problem, one line: control characters from a file (a key with a line break) are escaped. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', default: 'text' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`akri-ts validate: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (positionals.length === 0 || (values.output !== 'text' && values.output !== 'json')) {
    process.stderr.write(usage);
    return 2;
  }
  const results: FileResult[] = [];
  for (const file of positionals) results.push(await validateFile(file));
  const failed = results.some((r) => r.problems.length > 0);
  if (values.output === 'json') {
    process.stdout.write(`${JSON.stringify({ valid: !failed, files: results }, null, 2)}\n`);
  } else {
    for (const r of results) {
      for (const p of r.problems) {
        process.stdout.write(`${r.file}:${p.line}: ${oneLine(p.object ? `${p.object}: ` : '')}${oneLine(p.field)}: ${oneLine(p.message)}\n`);
      }
      if (r.problems.length === 0) {
        const skipped = r.skipped.length ? ` (skipped ${r.skipped.join(', ')})` : '';
        process.stdout.write(`${r.file}: valid: Configuration ${r.configurations.join(', ')}${skipped}\n`);
      }
    }
  }
  return failed ? 1 : 0;
}
