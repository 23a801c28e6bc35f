// The camera simulator checked against a client we did not write: the `onvif` npm package
// (its SOAP envelopes, WS-Security digest and response parsing are its own). If the
// simulator drifted from what real clients expect, these tests would fail.
import { afterEach, describe, expect, it } from 'vitest';
import onvif from 'onvif/promises/index.js';
import { freeUdpPort } from '../../test/support/discovery-snapshots.ts';
import { CameraSimulator } from './camera-simulator.ts';

let cam: CameraSimulator | undefined;
afterEach(async () => {
  await cam?.stop();
  cam = undefined;
});

async function startCamera(): Promise<CameraSimulator> {
  cam = new CameraSimulator({ wsDiscoveryPort: await freeUdpPort(), username: 'admin', password: 'pa55', mac: '02:11:22:33:44:55' });
  await cam.start();
  return cam;
}

function client(sim: CameraSimulator, password: string): InstanceType<typeof onvif.Cam> {
  const url = new URL(sim.serviceUrl);
  return new onvif.Cam({ hostname: url.hostname, port: Number(url.port), username: 'admin', password, timeout: 3000 });
}

describe('camera simulator, seen by the onvif npm client', () => {
  it('connects (clock, services or capabilities, profiles, video sources) and gives the RTSP URI', async () => {
    const sim = await startCamera();
    const camera = client(sim, 'pa55');
    await camera.connect();
    const stream: unknown = await camera.getStreamUri();
    expect(stream).toMatchObject({ uri: sim.rtspUrl });
    expect(sim.requests).toContain('GetSystemDateAndTime');
    expect(sim.requests).toContain('GetProfiles');
  });

  it('answers GetNetworkInterfaces with the digest the client computed', async () => {
    const sim = await startCamera();
    const camera = client(sim, 'pa55');
    await camera.connect();
    const interfaces: unknown = await camera.getNetworkInterfaces();
    expect(JSON.stringify(interfaces)).toContain('02:11:22:33:44:55');
  });

  it('refuses a wrong password with a SOAP fault the client reports', async () => {
    const sim = await startCamera();
    const camera = client(sim, 'wrong');
    await expect(camera.connect().then(() => camera.getNetworkInterfaces())).rejects.toThrow(/Not ?Authorized|Sender/i);
  });
});
