// Akri's sample Configurations (test/fixtures/akri-samples) still discover as they did before
// the hostile-input bounds: each one's discoveryDetails is read by its handler unchanged, and
// the handlers that can run here (debugEcho, udev on this machine's /sys, onvif against a
// simulated camera) find the devices Akri's would, with Akri's properties.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DebugEchoHandler } from '../../discovery-handlers/debug-echo/debug-echo-handler.ts';
import { OnvifDiscoveryHandler } from '../../discovery-handlers/onvif/onvif-handler.ts';
import { parseOpcuaDetails } from '../../discovery-handlers/opcua/opcua-details.ts';
import { UdevDiscoveryHandler } from '../../discovery-handlers/udev/udev-discovery-handler.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { CameraSimulator } from '../../simulators/onvif-camera/camera-simulator.ts';
import { freeUdpPort } from '../../test/support/discovery-snapshots.ts';
import { discoverOnce } from './discover-once.ts';

const samples = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'akri-samples');
const quiet = (): Logger => new Logger({}, 'error', new MemorySink());

function samplesFor(handler: string): { file: string; details: string }[] {
  const found: { file: string; details: string }[] = [];
  for (const file of readdirSync(samples).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(samples, file), 'utf8'))) {
      const value = doc.toJS() as { kind?: string; spec?: { discoveryHandler?: { name?: string; discoveryDetails?: string } } } | null;
      if (value?.kind === 'Configuration' && value.spec?.discoveryHandler?.name === handler) {
        found.push({ file, details: value.spec.discoveryHandler.discoveryDetails ?? '' });
      }
    }
  }
  return found;
}

const once = (handler: Parameters<typeof discoverOnce>[0], details: string) =>
  discoverOnce(handler, { details, properties: {}, node: 'node-a', configuration: 'sample', timeoutMs: 30_000 });

describe('Akri sample Configurations discover as before', () => {
  it('debugEcho samples: one device per description, with DEBUG_ECHO_DESCRIPTION', async () => {
    const list = samplesFor('debugEcho');
    expect(list.length).toBeGreaterThan(0);
    for (const { file, details } of list) {
      const preview = await once(new DebugEchoHandler({ shared: false }), details);
      const descriptions = (parse(details) as { descriptions: string[] }).descriptions;
      expect(preview.devices.map((d) => d.properties.DEBUG_ECHO_DESCRIPTION), file).toEqual(descriptions);
    }
  });

  it('udev samples: KERNEL=="null" finds this machine\'s /dev/null; the others parse and find what /sys has', async () => {
    for (const { file, details } of samplesFor('udev')) {
      const preview = await once(new UdevDiscoveryHandler({ choice: 'sysfs', logger: quiet() }), details);
      expect(preview.complete, file).toBe(true);
      if (file === 'e2e-udev-dev-null.yaml') {
        expect(preview.devices.map((d) => d.properties)).toEqual([{ UDEV_DEVPATH: '/devices/virtual/mem/null', UDEV_DEVNODE: '/dev/null' }]);
      }
    }
  });

  it('the onvif sample finds a camera with Akri\'s four properties, and the opcua sample keeps Akri\'s defaults', async () => {
    const [onvif] = samplesFor('onvif');
    const port = await freeUdpPort();
    const cam = new CameraSimulator({ wsDiscoveryPort: port, multicastInterface: '127.0.0.1', mac: '02:00:00:00:00:0a' });
    await cam.start();
    try {
      const handler = new OnvifDiscoveryHandler({ port, multicastInterface: '127.0.0.1', logger: quiet() });
      const preview = await once(handler, onvif?.details ?? '');
      expect(preview.devices.map((d) => d.properties)).toEqual([
        {
          ONVIF_DEVICE_SERVICE_URL: cam.serviceUrl,
          ONVIF_DEVICE_UUID: cam.uuid,
          ONVIF_DEVICE_IP_ADDRESS: '127.0.0.1',
          ONVIF_DEVICE_MAC_ADDRESS: '02:00:00:00:00:0a',
          ONVIF_DEVICE_RTSP_URL: cam.rtspUrl,
        },
      ]);
    } finally {
      await cam.stop();
    }
    const [opcua] = samplesFor('opcua');
    expect(parseOpcuaDetails(opcua?.details ?? '')).toMatchObject({ discoveryUrls: ['opc.tcp://localhost:4840/'], livenessCheck: true, discoveryIntervalSeconds: 10 });
  });
});
