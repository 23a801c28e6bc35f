// Runs the demo devices on their own, for trying `akri-ts discover` by hand or from a test:
//   node --import tsx cli/start/demo/run-demo-devices.ts <dir>
// Writes one Configuration per handler to <dir>/<handler>.yaml, prints "READY", and stops the
// devices on SIGTERM or SIGINT.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startDemoDevices } from './demo-devices.ts';
import { demoConfigurations } from './demo-configurations.ts';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: run-demo-devices.ts <dir>\n');
  process.exit(2);
}
const demo = await startDemoDevices(dir, (line) => process.stderr.write(`${line}\n`));
for (const c of demoConfigurations(demo.endpoints)) writeFileSync(join(dir, `${c.spec.discoveryHandler.name}.yaml`), stringify(c));
process.stdout.write('READY\n');
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void demo.stop().then(() => process.exit(0)));
