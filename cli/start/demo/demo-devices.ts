// The devices `npm start` shows off, all on loopback in this process: an OPC UA server behind
// a Local Discovery Server, a simulated ONVIF camera (found by unicast probe, since multicast
// on loopback is not dependable), and a Modbus TCP unit. udev needs no simulator: the real
// /dev/null and /dev/zero are devices every Linux machine has.
// Each device gets its own loopback address or a free port, so the demo never collides with a
// real camera, PLC or OPC UA server on the usual ports.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';
import { CameraSimulator } from '../../../simulators/onvif-camera/camera-simulator.ts';
import { freePort } from '../../../lib/net/free-port.ts';

/** The camera's own loopback address: unicast WS-Discovery needs port 3702, which 127.0.0.1 may already have. */
export const DEMO_CAMERA_ADDRESS = '127.0.0.42';
export const DEMO_MODBUS_ADDRESS = '127.0.0.1';

export interface DemoEndpoints {
  opcuaLdsUrl: string;
  opcuaServerUrl: string;
  cameraAddress: string;
  modbusHost: string;
  modbusPort: number;
}

export interface RunningDemo {
  endpoints: DemoEndpoints;
  stop(): Promise<void>;
}

async function startModbusUnit(host: string, port: number): Promise<{ close(): Promise<void> }> {
  // A plant sensor that reads 21.5 °C in tenths of a degree, and says who made it
  // (readDeviceIdentification is served by modbus-serial but missing from its typings).
  const vector = {
    getHoldingRegister: () => 215,
    getInputRegister: () => 215,
    readDeviceIdentification: () => ({ 0x00: 'akri-ts demo', 0x01: 'DEMO-PLC-1', 0x02: '1.0' }),
  };
  const server = new ModbusRTU.ServerTCP(vector, { host, port, unitID: 1 });
  await new Promise<void>((resolve, reject) => {
    server.on('initialized', () => resolve());
    server.on('error', reject);
  });
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function startDemoDevices(dir: string, progress: (line: string) => void): Promise<RunningDemo> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    mkdirSync(dir, { recursive: true });
    // node-opcua is ~tens of MiB: loaded only when the demo runs.
    const { startLds, startServer } = await import('../../../simulators/opcua/opcua-servers.ts');
    const { lds, url: opcuaLdsUrl } = await startLds(join(dir, 'opcua-pki'));
    stops.push(() => lds.shutdown());
    const { server, url: opcuaServerUrl, registered } = await startServer(join(dir, 'opcua-pki'), 'akri-ts demo OPC UA server', opcuaLdsUrl);
    stops.push(() => server.shutdown());
    await registered;
    progress(`OPC UA server ${opcuaServerUrl}, registered with the Local Discovery Server ${opcuaLdsUrl}`);

    const camera = new CameraSimulator({ bindAddress: DEMO_CAMERA_ADDRESS, wsDiscoveryPort: 3702, scopes: ['onvif://www.onvif.org/name/akri-ts-demo-camera'] });
    await camera.start();
    stops.push(() => camera.stop());
    progress(`ONVIF camera on ${DEMO_CAMERA_ADDRESS} (WS-Discovery unicast on udp/3702)`);

    const modbusPort = await freePort(DEMO_MODBUS_ADDRESS);
    const modbus = await startModbusUnit(DEMO_MODBUS_ADDRESS, modbusPort);
    stops.push(() => modbus.close());
    progress(`Modbus TCP unit 1 on ${DEMO_MODBUS_ADDRESS}:${modbusPort}`);
    progress('udev: the real /dev/null and /dev/zero of this machine');
    return {
      endpoints: { opcuaLdsUrl, opcuaServerUrl, cameraAddress: DEMO_CAMERA_ADDRESS, modbusHost: DEMO_MODBUS_ADDRESS, modbusPort },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
