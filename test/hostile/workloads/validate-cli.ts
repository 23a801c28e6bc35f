// Workload (run by validate-files.hostile.test.ts): `akri-ts validate` on the given files,
// exactly as the command runs it (cli/validate/main.ts), in a process of its own so that its
// peak memory is its own. Its output goes to standard output as usual; the last line is the
// exit status it returned, with the time it took and the peak resident memory.
//   args: <file>...
import { main } from '../../../cli/validate/main.ts';
import { reportResult } from '../support/bounded-child.ts';

const started = performance.now();
const status = await main(process.argv.slice(2));
reportResult({ status, ms: performance.now() - started });
