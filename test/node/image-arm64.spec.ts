// The linux/arm64 image, built from the same Dockerfile under Debian's qemu-user-static (binfmt,
// tools/images/binfmt.sh), run as a container by the node's containerd under emulation: the CLI
// starts, and every native module loads, each from an aarch64 binary (compiled in the build, or a
// prebuilt one the package ships for linux-arm64). Cached by content hash: only a changed tree
// rebuilds it (about 13 minutes cold on two cores).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { findOnPath } from '../../cli/start/control-plane/binaries.ts';
import { ensureAkriImage, type AkriImage } from './support/akri-image.ts';

const run = promisify(execFile);
const socket = inject('containerdSocket');
const NAMESPACE = 'akri-ts-arm64';
const ctrBin = findOnPath('ctr', 'Install it with: apt-get install containerd');
let image: AkriImage;

async function ctr(args: string[], timeoutMs = 300_000): Promise<string> {
  try {
    const { stdout } = await run(ctrBin, ['--address', socket, '-n', NAMESPACE, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`ctr ${args.slice(0, 2).join(' ')} failed: ${e.stderr || e.message}\n${e.stdout ?? ''}`);
  }
}

/** Runs a command in a fresh arm64 container of the image and returns its output. */
function inContainer(command: string[]): Promise<string> {
  return ctr(['run', '--rm', '--platform', 'linux/arm64', '--cwd', '/app', image.ref, `arm64-${randomBytes(4).toString('hex')}`, ...command]);
}

// Loads each native module and reports which .node files the process mapped, with their ELF
// machine (183 = aarch64): /proc/self/maps under qemu-user shows the emulated process's mappings.
const PROBE = `
const fs = require('fs');
const out = { arch: process.arch, modules: {}, binaries: [] };
for (const m of ['udev', '@serialport/bindings-cpp', '@stoprocent/bluetooth-hci-socket', 'usb']) {
  try { require(m); out.modules[m] = 'loaded'; } catch (e) { out.modules[m] = e.message; }
}
const paths = new Set(fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.trim().split(/\\s+/).slice(5).join(' ')).filter((p) => p.endsWith('.node')));
for (const p of paths) out.binaries.push({ path: p, machine: fs.readFileSync(p).readUInt16LE(18) });
console.log(JSON.stringify(out));
`;

beforeAll(async () => {
  image = await ensureAkriImage('arm64');
  await ctr(['images', 'import', '--platform', 'linux/arm64', image.archive], 600_000);
}, 45 * 60_000);

describe('the linux/arm64 image under emulation', () => {
  it('runs `akri-ts agent --help`', async () => {
    const out = await inContainer(['node', '/app/cli/akri-ts.js', 'agent', '--help']);
    expect(out).toContain('usage: akri-ts agent [flags]');
  }, 300_000);

  it('loads udev, the serial port, the BLE HCI socket and usb, each from an aarch64 binary', async () => {
    const report = JSON.parse((await inContainer(['node', '-e', PROBE])).trim().split('\n').pop() ?? '{}') as {
      arch: string;
      modules: Record<string, string>;
      binaries: Array<{ path: string; machine: number }>;
    };
    process.stderr.write(`[arm64] native binaries loaded: ${JSON.stringify(report.binaries)}\n`);
    expect(report.arch).toBe('arm64');
    expect(report.modules).toEqual({ udev: 'loaded', '@serialport/bindings-cpp': 'loaded', '@stoprocent/bluetooth-hci-socket': 'loaded', usb: 'loaded' });
    for (const pkg of ['udev', '@serialport/bindings-cpp', '@stoprocent/bluetooth-hci-socket', 'usb']) {
      expect(report.binaries.filter((b) => b.path.includes(`/node_modules/${pkg}/`)), `no binary of ${pkg} was loaded`).not.toEqual([]);
    }
    expect(report.binaries.filter((b) => b.machine !== 183)).toEqual([]);
    // udev has no linux-arm64 prebuild: it was compiled for aarch64 in the image build.
    expect(report.binaries.find((b) => b.path.includes('/node_modules/udev/'))?.path).toContain('/build/');
  }, 300_000);
});
