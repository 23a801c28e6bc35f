// A device plugin that does nothing: it lists --devices healthy devices, prefers whichever the
// kubelet offers, and answers Allocate with one env var. The allocate benchmark runs it in its
// own process next to the agent and admits a pod on it after every real admission, so that the
// Allocate latency of a plugin with no work at all is measured on the same machine at the same
// moment: the floor that this machine's scheduling sets under the agent's figure.
// tsx bench/floor-plugin.ts --plugin-dir DIR [--devices 200] [--resource bench.example/floor]
import { parseBenchArgs } from './benchmark.ts';
import { HEALTHY } from '../agent/device-plugin/health.ts';
import { TestPlugin } from '../test/kubelet-stand-in/test-plugin.ts';

const args = parseBenchArgs(process.argv.slice(2));
const dir = args.string('plugin-dir', '');
if (!dir) throw new Error('--plugin-dir (the kubelet device-plugins directory) is required');
const ids = Array.from({ length: args.number('devices', 200) }, (_, i) => `floor-${i}`);
const plugin = new TestPlugin(dir, args.string('resource', 'bench.example/floor'), 'bench-floor.sock');
plugin.prefer = ids;
plugin.setDevices(ids.map((ID) => ({ ID, health: HEALTHY })));
await plugin.serve();
await plugin.register();
process.stdout.write('registered\n');
const stop = (): void => void plugin.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
