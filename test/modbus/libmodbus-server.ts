// libmodbus's own unit-test server (examples/unit-test-server.c from Debian's libmodbus-dev),
// compiled by us and cached by source hash. The only change is where it listens: the shipped
// source hard-codes 127.0.0.1:1502 and /dev/ttyUSB0, which we replace with environment
// variables so tests can pick free ports and socat ptys. The protocol is all libmodbus.
// It serves unit id 17 (SERVER_ID) on RTU and any unit id on TCP, knows no 0x2B/0x0E
// (answers "illegal function"), and has holding registers at 0x160-0x17F only.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from '../../lib/process/managed-process.ts';
import { isListening } from './tcp-listening.ts';

const EXAMPLES = '/usr/share/doc/libmodbus-dev/examples';
export const LIBMODBUS_RTU_SERVER_ID = 17;
/** UT_REGISTERS_ADDRESS in unit-test.h: the first holding register the server has. */
export const LIBMODBUS_FIRST_HOLDING_REGISTER = 0x160;

function patched(source: string): string {
  const tcp = 'modbus_new_tcp("127.0.0.1", 1502)';
  const rtu = 'modbus_new_rtu("/dev/ttyUSB0", 115200,';
  if (!source.includes(tcp) || !source.includes(rtu)) {
    throw new Error(`${EXAMPLES}/unit-test-server.c changed: cannot find where it opens its endpoints`);
  }
  return source
    .replace(tcp, 'modbus_new_tcp(getenv("UT_TCP_HOST"), atoi(getenv("UT_TCP_PORT")))')
    .replace(rtu, 'modbus_new_rtu(getenv("UT_RTU_DEVICE"), atoi(getenv("UT_RTU_BAUD")),');
}

/** Path of the compiled server, building it on first use. */
export function libmodbusServerBinary(): string {
  if (!existsSync(join(EXAMPLES, 'unit-test-server.c'))) {
    throw new Error(`${EXAMPLES}/unit-test-server.c not found: apt-get install -y libmodbus-dev gcc pkg-config`);
  }
  const source = patched(readFileSync(join(EXAMPLES, 'unit-test-server.c'), 'utf8'));
  const header = readFileSync(join(EXAMPLES, 'unit-test.h'), 'utf8');
  const hash = createHash('sha256').update(source).update(header).digest('hex').slice(0, 12);
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'akri-ts', 'modbus');
  const binary = join(cache, `libmodbus-unit-test-server-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(cache, { recursive: true });
  const build = join(cache, `build-${process.pid}`);
  mkdirSync(build, { recursive: true });
  writeFileSync(join(build, 'unit-test-server.c'), source);
  writeFileSync(join(build, 'unit-test.h'), header);
  const cflags = execFileSync('pkg-config', ['--cflags', 'libmodbus'], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
  execFileSync('gcc', ['-O1', '-o', join(build, 'server'), join(build, 'unit-test-server.c'), ...cflags, '-lmodbus'], { stdio: 'pipe' });
  // Rename is atomic: a concurrent test run sees either no binary or a complete one.
  renameSync(join(build, 'server'), binary);
  return binary;
}

export async function startLibmodbusTcpServer(host: string, port: number, logDir: string): Promise<ManagedProcess> {
  const server = new ManagedProcess({
    name: 'libmodbus unit-test-server (tcp)',
    command: libmodbusServerBinary(),
    args: ['tcp'],
    logFile: join(logDir, `libmodbus-tcp-${port}.log`),
    env: { ...process.env, UT_TCP_HOST: host, UT_TCP_PORT: String(port) },
  });
  server.start();
  await server.waitUntil(async () => isListening(host, port), 5000, 'listening');
  return server;
}

export async function startLibmodbusRtuServer(device: string, baudRate: number, logDir: string): Promise<ManagedProcess> {
  const server = new ManagedProcess({
    name: 'libmodbus unit-test-server (rtu)',
    command: libmodbusServerBinary(),
    args: ['rtu'],
    logFile: join(logDir, 'libmodbus-rtu.log'),
    env: { ...process.env, UT_RTU_DEVICE: device, UT_RTU_BAUD: String(baudRate) },
  });
  server.start();
  // No readiness signal on a serial line: it opens the pty at once, then waits for requests.
  await new Promise((r) => setTimeout(r, 300));
  await server.waitUntil(async () => true, 1000, 'running');
  return server;
}
