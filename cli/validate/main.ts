// `akri-ts validate <file>...`: offline checks of Configurations, for a terminal or a script.
// Exit 0 when every Configuration is valid, 1 when any is not, 2 for a usage mistake.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { validateConfigurationText, type ValidationProblem } from './validate-configuration.ts';

const usage = `usage: akri-ts validate [--output text|json] <configuration.yaml>...

Checks each Configuration in the files offline: against the configurations.akri.sh schema
(the one the API server enforces, CEL rules included) and against its discovery handler's own
parse of discoveryDetails (udev rules, filters, CIDRs, serial settings, URLs).
Other kinds in the files (Secrets, ConfigMaps) are skipped. Use "-" to read standard input.

flags:
  --output text|json   text (default) or one JSON object per run, for scripts
  -h, --help           this help
exit status: 0 all valid, 1 problems found, 2 usage error or unreadable file
`;

interface FileResult {
  file: string;
  configurations: string[];
  skipped: string[];
  problems: ValidationProblem[];
}

async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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
  for (const file of positionals) {
    let text: string;
    try {
      text = await readInput(file);
    } catch (err) {
      process.stderr.write(`akri-ts validate: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return 2;
    }
    const report = await validateConfigurationText(text);
    if (report.configurations.length === 0 && report.problems.length === 0) {
      report.problems.push({ object: file, field: '', line: 1, message: 'holds no Configuration (kind: Configuration, apiVersion: akri.sh/v0)' });
    }
    results.push({ file, ...report });
  }
  const failed = results.some((r) => r.problems.length > 0);
  if (values.output === 'json') {
    process.stdout.write(`${JSON.stringify({ valid: !failed, files: results }, null, 2)}\n`);
  } else {
    for (const r of results) {
      for (const p of r.problems) process.stdout.write(`${r.file}:${p.line}: ${p.object}: ${p.field ? `${p.field}: ` : ''}${p.message}\n`);
      if (r.problems.length === 0) {
        const skipped = r.skipped.length ? ` (skipped ${r.skipped.join(', ')})` : '';
        process.stdout.write(`${r.file}: valid: Configuration ${r.configurations.join(', ')}${skipped}\n`);
      }
    }
  }
  return failed ? 1 : 0;
}
