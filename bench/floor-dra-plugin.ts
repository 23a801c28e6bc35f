// A DRA kubelet plugin that does nothing: the agent's own KubeletPlugin (the same gRPC servers
// and registration) registered as driver floor.bench.example, answering every claim with one
// made-up device at once: no API read, no CDI file, no checkpoint. The dra benchmark runs it in
// its own process next to the agent and prepares each claim on it right after the real one, so
// NodePrepareResources of a plugin with no work is timed on the same machine at the same moment.
// tsx bench/floor-dra-plugin.ts --kubelet-dir DIR [--driver floor.bench.example]
import { KubeletPlugin } from '../agent/dra/kubelet-plugin.ts';
import { Logger } from '../lib/observability/logger.ts';
import { parseBenchArgs } from './benchmark.ts';

const args = parseBenchArgs(process.argv.slice(2));
const FLOOR_DRIVER = args.string('driver', 'floor.bench.example');
const kubeletDir = args.string('kubelet-dir', '');
if (!kubeletDir) throw new Error('--kubelet-dir (the kubelet root, with plugins_registry/) is required');
const plugin = new KubeletPlugin({
  kubeletDir,
  driver: FLOOR_DRIVER,
  log: new Logger({ component: 'floor-dra-plugin' }, 'warn'),
  backend: {
    prepare: async (claims) =>
      Object.fromEntries(claims.map((c) => [c.uid, { devices: [{ requestNames: ['device'], poolName: 'floor', deviceName: 'd', cdiDeviceIds: [`${FLOOR_DRIVER}/claim=${c.uid}`] }] }])),
    unprepare: async (claims) => Object.fromEntries(claims.map((c) => [c.uid, {}])),
  },
});
await plugin.start();
process.stdout.write('serving\n');
const stop = (): void => void plugin.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
