// One discovery round: every target (host:port, serial line) probed with bounded concurrency,
// the unit ids of one target asked one after another (a gateway or a serial bus handles one
// request at a time), each target within its own time budget. Returns a sorted snapshot.
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import { forEachBounded } from '../../lib/async/bounded.ts';
import type { ModbusDiscoveryDetails, RtuTargets } from './details.ts';
import { rtuDevice, tcpDevice } from './device.ts';
import { acceptsDevice, acceptsUnit } from './filters.ts';
import { identifyUnit, type UnitIdentity } from './identify.ts';
import { LinkClosed, type ModbusLink } from './link.ts';
import { RtuLink } from './rtu-link.ts';
import { BOUNDS } from './details.ts';
import { expandSerialPaths } from './serial-paths.ts';
import { TcpLink } from './tcp-link.ts';

export interface LinkFactory {
  tcp(host: string, port: number, connectTimeoutMs: number): Promise<ModbusLink>;
  rtu(path: string, line: RtuTargets): Promise<ModbusLink>;
}

export const realLinks: LinkFactory = {
  tcp: (host, port, connectTimeoutMs) => TcpLink.connect(host, port, connectTimeoutMs),
  rtu: (path, line) =>
    RtuLink.open({ path, baudRate: line.baudRate, parity: line.parity, dataBits: line.dataBits, stopBits: line.stopBits }),
};

export interface ScanReport {
  devices: DiscoveredDevice[];
  targets: number;
  /** Units not asked or not answered because the connection or serial line broke. */
  linkFailures: number;
  /** Unit ids left unasked because their target's time budget ran out. */
  unitsSkipped: number;
  /** Serial lines that exist but could not be opened (typically locked by a broker). */
  busyLines: string[];
}

type Target =
  | { kind: 'tcp'; host: string; port: number; unitIds: number[] }
  | { kind: 'rtu'; path: string; line: RtuTargets; unitIds: number[] };

function label(target: Target): string {
  return target.kind === 'tcp' ? `${target.host}:${target.port}` : target.path;
}

export async function scanOnce(details: ModbusDiscoveryDetails, links: LinkFactory, log: Logger, signal: AbortSignal): Promise<ScanReport> {
  const targets: Target[] = [];
  // Unit ids a filter excludes are never asked: a filter narrows traffic, not just results.
  const wanted = (ids: number[]): number[] => ids.filter((id) => acceptsUnit(details.filters, id));
  if (details.tcp) {
    for (const host of details.tcp.hosts) {
      for (const port of details.tcp.ports) targets.push({ kind: 'tcp', host, port, unitIds: wanted(details.tcp.unitIds) });
    }
  }
  if (details.rtu) {
    const { paths, truncated } = await expandSerialPaths(details.rtu.ports, BOUNDS.maxSerialPorts);
    if (truncated) log.warn('rtu.ports matches more serial lines than the limit; scanning the first ones', { limit: BOUNDS.maxSerialPorts });
    for (const path of paths) targets.push({ kind: 'rtu', path, line: details.rtu, unitIds: wanted(details.rtu.unitIds) });
  }

  // A target whose unit ids were all filtered out is not even connected to.
  const plan = targets.filter((t) => t.unitIds.length > 0);
  const devices: DiscoveredDevice[] = [];
  const report: ScanReport = { devices, targets: plan.length, linkFailures: 0, unitsSkipped: 0, busyLines: [] };
  const { limits } = details;

  await forEachBounded(plan, limits.concurrency, async (target) => {
    const deadline = Date.now() + limits.targetTimeoutMs;
    const remaining = (): number => Math.max(1, Math.min(limits.requestTimeoutMs, deadline - Date.now()));
    const open = (): Promise<ModbusLink> =>
      target.kind === 'tcp' ? links.tcp(target.host, target.port, Math.min(limits.connectTimeoutMs, limits.targetTimeoutMs)) : links.rtu(target.path, target.line);
    let link: ModbusLink | undefined;
    try {
      link = await open();
    } catch (err) {
      if (target.kind === 'rtu') {
        report.busyLines.push(target.path);
        log.info('serial line present but not opened; keeping its units as last seen', { target: target.path, error: err instanceof Error ? err.message : String(err) });
        return;
      }
      // Nothing listening is the common case in a subnet scan: debug, not warn.
      log.debug('target unreachable', { target: label(target), error: err instanceof Error ? err.message : String(err) });
      return;
    }
    try {
      for (const [index, unitId] of target.unitIds.entries()) {
        if (signal.aborted) return;
        if (Date.now() >= deadline) {
          report.unitsSkipped += target.unitIds.length - index;
          log.warn('target time budget spent; remaining unit ids wait for the next round', {
            target: label(target),
            skipped: target.unitIds.length - index,
            targetTimeoutMs: limits.targetTimeoutMs,
          });
          return;
        }
        let identity: UnitIdentity | undefined;
        try {
          // Some servers hang up after an unsupported request; reconnect once per unit.
          if (!link.usable) {
            await link.close();
            link = await open();
          }
          identity = await identifyUnit(link, unitId, { ...details, requestTimeoutMs: remaining });
        } catch (err) {
          if (!(err instanceof LinkClosed)) throw err;
          report.linkFailures++;
          continue;
        }
        if (!identity) continue;
        if (!acceptsDevice(details.filters, unitId, identity)) continue;
        devices.push(target.kind === 'tcp' ? tcpDevice(target.host, target.port, unitId, identity) : rtuDevice(target.path, target.line, unitId, identity));
      }
    } catch (err) {
      log.warn('target scan failed', { target: label(target), error: err instanceof Error ? err.message : String(err) });
    } finally {
      await link?.close();
    }
  }, signal);
  devices.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return report;
}

/**
 * A line a broker holds open (serialport and pyserial take an exclusive flock) cannot be
 * probed, and probing it anyway would put a second master on the bus. Its units are therefore
 * carried over from the previous snapshot instead of vanishing, which would remove the very
 * Instance whose broker holds the line. A line whose device node is gone is not carried over.
 */
export function withBusyLinesCarriedOver(previous: DiscoveredDevice[], report: ScanReport): DiscoveredDevice[] {
  if (report.busyLines.length === 0) return report.devices;
  const busy = new Set(report.busyLines);
  const carried = previous.filter((d) => d.properties.MODBUS_TRANSPORT === 'rtu' && busy.has(d.properties.MODBUS_ADDRESS ?? ''));
  return [...report.devices, ...carried].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
