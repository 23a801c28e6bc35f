// scanSeconds: how long one Modbus discovery round takes over a /24 with one unit id per host,
// of which 5 hosts answer (pymodbus servers from Debian's python3-pymodbus).
// npm run bench -- modbus-scan [--network loopback|netns] [--runs 3] [--concurrency 32]
//   [--connect-timeout-ms 1000] --json
// loopback: 127.0.1.0/24 (Linux routes all of 127/8 to lo); dead hosts refuse at once, so this
//   is the floor. netns: a veth-joined namespace (root needed); dead hosts never answer ARP,
//   so each costs the connect timeout, as on a real plant LAN.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModbusDetails } from '../discovery-handlers/modbus/details.ts';
import { realLinks, scanOnce } from '../discovery-handlers/modbus/scan.ts';
import { Logger, MemorySink } from '../lib/observability/logger.ts';
import { freePort } from '../lib/net/free-port.ts';
import type { ManagedProcess } from '../lib/process/managed-process.ts';
import { createPlantNetwork, type PlantNetwork } from '../test/modbus/plant-network.ts';
import { startPymodbusServer } from '../test/modbus/pymodbus-server.ts';
import { log, type Benchmark } from './benchmark.ts';

const ANSWERING = [11, 57, 103, 149, 201];

const bench: Benchmark = async (args) => {
  const network = args.string('network', 'loopback');
  if (network !== 'loopback' && network !== 'netns') throw new Error('--network must be loopback or netns');
  const runs = args.number('runs', 3);
  const concurrency = args.number('concurrency', 32);
  const connectTimeoutMs = args.number('connect-timeout-ms', 1000);
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-modbus-'));
  let plant: PlantNetwork | undefined;
  const servers: ManagedProcess[] = [];
  try {
    let address: (host: number) => string;
    let subnet: string;
    let port: number;
    if (network === 'netns') {
      plant = createPlantNetwork(ANSWERING);
      address = plant.address;
      subnet = plant.subnet;
      port = 502;
    } else {
      address = (host) => `127.0.1.${host}`;
      subnet = '127.0.1.0/24';
      port = await freePort(address(ANSWERING[0] ?? 11));
    }
    servers.push(
      ...(await Promise.all(
        ANSWERING.map((host) =>
          startPymodbusServer({
            endpoint: `${address(host)}:${port}`,
            ...(plant ? { netns: plant.namespace } : {}),
            units: [1],
            vendor: 'Bench',
            product: 'B',
            revision: '1',
            logDir: dir,
          }),
        ),
      )),
    );
    const details = parseModbusDetails(
      `tcp:\n  hosts: [${subnet}]\n  ports: [${port}]\n  unitIds: [1]\nlimits: {concurrency: ${concurrency}, connectTimeoutMs: ${connectTimeoutMs}}\n`,
    );
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const report = await scanOnce(details, realLinks, new Logger({}, 'error', new MemorySink()), new AbortController().signal);
      times.push((performance.now() - started) / 1000);
      found = report.devices.length;
      log(`run ${i + 1}: ${found} devices in ${times.at(-1)?.toFixed(2)} s`);
    }
    if (found !== ANSWERING.length) throw new Error(`expected ${ANSWERING.length} devices, found ${found}`);
    times.sort((a, b) => a - b);
    return {
      network,
      hosts: 254,
      answeringHosts: ANSWERING.length,
      concurrency,
      connectTimeoutMs,
      runs,
      scanSeconds: Number((times[Math.floor(times.length / 2)] ?? 0).toFixed(3)),
      maxScanSeconds: Number((times.at(-1) ?? 0).toFixed(3)),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop(2000)));
    plant?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;
