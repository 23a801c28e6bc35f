// The onvif scenario: a simulated camera on loopback that announces itself with a Hello when
// it comes up and says Bye when it goes. With default settings (poll every 10 s) the Instance
// must appear from the Hello alone, well before the next poll would have found it.
// --interval <s> changes the handler's poll interval (default 10, Akri's hard-coded value).
import { freeUdpPort } from '../../test/support/discovery-snapshots.ts';
import { OnvifDiscoveryHandler } from '../../discovery-handlers/onvif/onvif-handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { CameraSimulator } from '../../simulators/onvif-camera/camera-simulator.ts';
import type { ScenarioFactory } from './scenario.ts';

const scenario: ScenarioFactory = (args) => {
  const intervalSeconds = args.number('interval', 10);
  let port = 0;
  let camera: CameraSimulator | undefined;
  return {
    handler: 'onvif',
    intervalSeconds,
    configuration: () => ({
      discoveryHandler: { name: 'onvif', discoveryDetails: JSON.stringify({ discoveryIntervalSeconds: intervalSeconds }) },
    }),
    async setup() {
      // A private WS-Discovery port: other engineers' tests on this machine use 3702 and theirs.
      port = await freeUdpPort();
    },
    async embeddedHandler() {
      return new OnvifDiscoveryHandler({ port, multicastInterface: '127.0.0.1', logger: new Logger({ component: 'onvif' }, 'warn') });
    },
    async deviceUp() {
      camera = new CameraSimulator({ wsDiscoveryPort: port, multicastInterface: '127.0.0.1' });
      await camera.start();
      await camera.hello();
    },
    async deviceDown() {
      await camera?.stop({ bye: true });
      camera = undefined;
    },
    async teardown() {
      await camera?.stop();
    },
  };
};
export default scenario;
