// The handler's contract with the agent, with fake links so it runs in milliseconds: bad
// details fail before the first snapshot, each transport keeps to its registration, unchanged
// snapshots are not re-sent, abort ends discovery at once, and the scan keeps its bounds.
import { describe, expect, it } from 'vitest';
import { InvalidDiscoveryDetails, type DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { parseModbusDetails } from './details.ts';
import { ModbusDiscoveryHandler } from './handler.ts';
import { LinkClosed, RequestTimeout, type ModbusLink } from './link.ts';
import { scanOnce, type LinkFactory } from './scan.ts';

const quiet = (): Logger => new Logger({}, 'error', new MemorySink());

/** A TCP "network" where the given host:port/unit answer a register read, after `delayMs`. */
function fakeNetwork(present: Set<string>, delayMs = 0, stats = { open: 0, maxOpen: 0 }): LinkFactory {
  return {
    async tcp(host, port) {
      if (![...present].some((key) => key.startsWith(`${host}:${port}/`))) throw new LinkClosed('connection refused');
      stats.open++;
      stats.maxOpen = Math.max(stats.maxOpen, stats.open);
      const link: ModbusLink = {
        usable: true,
        async request(unitId, pdu, timeoutMs) {
          await new Promise((r) => setTimeout(r, Math.min(delayMs, timeoutMs)));
          if (delayMs > timeoutMs) throw new RequestTimeout(unitId, timeoutMs);
          if (!present.has(`${host}:${port}/${unitId}`)) return Buffer.from([pdu.readUInt8(0) | 0x80, 0x0b]);
          return pdu.readUInt8(0) === 0x03 ? Buffer.from([0x03, 0x02, 0x00, 0x01]) : Buffer.from([0xab, 0x01]);
        },
        async close() {
          stats.open--;
        },
      };
      return link;
    },
    rtu: () => Promise.reject(new Error('no serial lines here')),
  };
}

async function collect(handler: ModbusDiscoveryHandler, details: string, snapshots: number, abortAfterMs = 5000): Promise<DiscoveredDevice[][]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), abortAfterMs);
  const seen: DiscoveredDevice[][] = [];
  try {
    for await (const devices of handler.discover({ details, properties: {} }, controller.signal)) {
      seen.push(devices);
      if (seen.length === snapshots) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return seen;
}

describe('ModbusDiscoveryHandler', () => {
  it('registers TCP as the shared "modbus" and serial as the local "modbusRtu"', () => {
    expect(new ModbusDiscoveryHandler({ transport: 'tcp' })).toMatchObject({ name: 'modbus', shared: true });
    expect(new ModbusDiscoveryHandler({ transport: 'rtu' })).toMatchObject({ name: 'modbusRtu', shared: false });
  });

  it('refuses bad details before yielding anything', async () => {
    const handler = new ModbusDiscoveryHandler({ transport: 'tcp', log: quiet() });
    await expect(collect(handler, 'tcp: {hosts: [10.0.0.0/8]}', 1)).rejects.toMatchObject({ name: 'InvalidDiscoveryDetails', field: 'tcp.hosts' });
  });

  it('sends serial targets given to "modbus" to "modbusRtu", and TCP targets the other way', async () => {
    const tcp = new ModbusDiscoveryHandler({ transport: 'tcp', log: quiet() });
    const rtu = new ModbusDiscoveryHandler({ transport: 'rtu', log: quiet() });
    await expect(collect(tcp, 'rtu: {ports: [/dev/ttyUSB0]}', 1)).rejects.toThrow(/rtu: .*"modbusRtu"/);
    await expect(collect(rtu, 'tcp: {hosts: [10.0.0.1]}', 1)).rejects.toBeInstanceOf(InvalidDiscoveryDetails);
  });

  it('yields a snapshot when the devices change and nothing while they stay the same', async () => {
    const present = new Set(['10.0.0.2:502/1']);
    const handler = new ModbusDiscoveryHandler({ transport: 'tcp', log: quiet(), links: fakeNetwork(present) });
    const controller = new AbortController();
    const seen: string[][] = [];
    const started = Date.now();
    for await (const devices of handler.discover({ details: 'tcp: {hosts: [10.0.0.0/29]}\ndiscoveryIntervalSecs: 1', properties: {} }, controller.signal)) {
      seen.push(devices.map((d) => d.id));
      // A device appears after the first round; after the second, stop two rounds later.
      if (seen.length === 1) present.add('10.0.0.3:502/1');
      if (seen.length === 2) setTimeout(() => controller.abort(), 1500);
    }
    expect(seen).toEqual([['tcp://10.0.0.2:502/1'], ['tcp://10.0.0.2:502/1', 'tcp://10.0.0.3:502/1']]);
    // The loop ended on the abort, during the wait for the next round.
    expect(Date.now() - started).toBeLessThan(3300);
  });
});

describe('one scan round keeps its bounds', () => {
  it('never holds more connections than limits.concurrency', async () => {
    const present = new Set(Array.from({ length: 20 }, (_, i) => `10.0.0.${i + 1}:502/1`));
    const stats = { open: 0, maxOpen: 0 };
    const details = parseModbusDetails('tcp: {hosts: [10.0.0.0/27]}\nlimits: {concurrency: 4}');
    const report = await scanOnce(details, fakeNetwork(present, 5, stats), quiet(), new AbortController().signal);
    expect(report.devices).toHaveLength(20);
    expect(stats.maxOpen).toBe(4);
  });

  it('skips the unit ids a target has no time left for, and says how many', async () => {
    const details = parseModbusDetails('tcp: {hosts: [10.0.0.1], unitIds: ["1-50"]}\nlimits: {requestTimeoutMs: 50, targetTimeoutMs: 200}');
    const started = Date.now();
    const report = await scanOnce(details, fakeNetwork(new Set(['10.0.0.1:502/1']), 1000), quiet(), new AbortController().signal);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report.unitsSkipped).toBeGreaterThan(40);
  });

  it('does not ask unit ids that the unit-id filter excludes', async () => {
    const asked: number[] = [];
    const links: LinkFactory = {
      tcp: async () => ({
        usable: true,
        async request(unitId) {
          asked.push(unitId);
          return Buffer.from([0x03, 0x02, 0x00, 0x01]);
        },
        async close() {},
      }),
      rtu: () => Promise.reject(new Error('unused')),
    };
    const details = parseModbusDetails('tcp: {hosts: [h], unitIds: ["1-4"]}\ndeviceIdentification: false\nfilters: {unitIds: {action: Exclude, items: ["2-3"]}}');
    const report = await scanOnce(details, links, quiet(), new AbortController().signal);
    expect(asked).toEqual([1, 4]);
    expect(report.devices.map((d) => d.properties.MODBUS_UNIT_ID)).toEqual(['1', '4']);
  });
});
