// The reference scenario: debugEcho with one description, taken offline and back through the
// handler's own availability switch. It measures the agent's own latency, with no protocol.
import { DebugEchoAvailability } from '../../discovery-handlers/debug-echo/availability.ts';
import { DebugEchoHandler } from '../../discovery-handlers/debug-echo/debug-echo-handler.ts';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import type { ScenarioFactory } from './scenario.ts';

const scenario: ScenarioFactory = (args) => {
  const pollMs = args.number('interval', 1) * 1000;
  let file = '';
  return {
    handler: 'debugEcho',
    intervalSeconds: pollMs / 1000,
    configuration: () => ({ discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: [bench-device]' } }),
    async setup({ workDir }) {
      file = join(workDir, 'availability.txt');
      writeFileSync(file, 'OFFLINE');
    },
    async embeddedHandler() {
      return new DebugEchoHandler({ shared: true, availability: new DebugEchoAvailability(file), pollMs });
    },
    async deviceUp() {
      writeFileSync(file, 'ONLINE');
    },
    async deviceDown() {
      writeFileSync(file, 'OFFLINE');
    },
    async teardown() {},
  };
};
export default scenario;
