// `akri-ts discover` finds each demo device of `npm start` through the real command, the way a
// user previews a Configuration: one JSON answer on stdout naming the Instance it would create.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const run = promisify(execFile);
let dir: string;
let devices: ChildProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'akri-ts-discover-'));
  devices = spawn('setpriv', ['--pdeathsig', 'TERM', '--', process.execPath, '--import', 'tsx', join(root, 'cli/start/demo/run-demo-devices.ts'), dir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    devices.stdout?.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
    devices.once('exit', (code) => reject(new Error(`demo devices exited (${code})`)));
  });
}, 60_000);

afterAll(() => {
  devices?.kill('SIGTERM');
});

interface Preview {
  handler: string;
  devices: { id: string; instance: string; properties: Record<string, string> }[];
}

async function discover(handler: string): Promise<Preview> {
  const { stdout } = await run(join(root, 'bin/akri-ts'), ['discover', '--config', join(dir, `${handler}.yaml`), '--node', 'edge-1', '--output', 'json'], {
    cwd: root,
    timeout: 50_000,
  });
  return JSON.parse(stdout) as Preview;
}

describe('akri-ts discover on the demo devices', () => {
  it('finds the OPC UA server behind the Local Discovery Server', async () => {
    const p = await discover('opcua');
    expect(p.devices).toHaveLength(1);
    expect(p.devices[0]?.properties.OPCUA_APPLICATION_NAME).toBe('akri-ts demo OPC UA server');
    expect(p.devices[0]?.instance).toMatch(/^akri-opcua-demo-[0-9a-f]{6}$/);
  });

  it('finds the simulated ONVIF camera by unicast probe', async () => {
    const p = await discover('onvif');
    expect(p.devices.map((d) => d.properties.ONVIF_DEVICE_IP_ADDRESS)).toEqual(['127.0.0.42']);
  });

  it('finds the Modbus unit and reads its identification', async () => {
    const p = await discover('modbus');
    expect(p.devices.map((d) => d.properties.MODBUS_PRODUCT_CODE)).toEqual(['DEMO-PLC-1']);
  });

  it('finds /dev/null and /dev/zero through udev, named per node', async () => {
    const p = await discover('udev');
    expect(p.devices.map((d) => d.properties.UDEV_DEVNODE).sort()).toEqual(['/dev/null', '/dev/zero']);
    expect(new Set(p.devices.map((d) => d.instance)).size).toBe(2);
  });
});
