// One discovery round: every target (host:port, serial line) probed with bounded concurrency,
// the unit ids of one target asked one after another (a gateway or a serial bus handles one
// request at a time), each target within its own time budget, the whole round within the
// signal's life (the round deadline, or discovery stopping): when it aborts, open links are
// closed at once and targets not scanned are reported, so their devices can be carried over
// and they go first next round. Returns a sorted snapshot.
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
  /** Targets (MODBUS_ADDRESS form) not scanned to the end because the round ended first. */
  unscanned: string[];
  /** Targets that used up their time budget (targetTimeoutMs): scanned last next round. */
  slow: string[];
}

/** Which targets go first: those the last round did not reach, then the rest, slow ones last. */
export interface ScanOrder {
  first: ReadonlySet<string>;
  last: ReadonlySet<string>;
}

type Target =
  | { kind: 'tcp'; host: string; port: number; unitIds: number[] }
  | { kind: 'rtu'; path: string; line: RtuTargets; unitIds: number[] };

function label(target: Target): string {
  return target.kind === 'tcp' ? `${target.host}:${target.port}` : target.path;
}

/** Resolves with the link, or rejects at once when the signal aborts (the link is then closed). */
function openUnlessAborted(opening: Promise<ModbusLink>, signal: AbortSignal, label: string): Promise<ModbusLink> {
  if (signal.aborted) {
    void opening.then((link) => link.close(), () => undefined);
    return Promise.reject(new LinkClosed(`${label}: discovery round ended`));
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      void opening.then((link) => link.close(), () => undefined);
      reject(new LinkClosed(`${label}: discovery round ended`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    opening.then(
      (link) => {
        signal.removeEventListener('abort', onAbort);
        resolve(link);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export async function scanOnce(
  details: ModbusDiscoveryDetails,
  links: LinkFactory,
  log: Logger,
  signal: AbortSignal,
  order: ScanOrder = { first: new Set(), last: new Set() },
  /** Called with the report so far whenever a unit is found (not when one is not: no churn). */
  onProgress?: (partial: ScanReport) => void,
): Promise<ScanReport> {
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
  const wantedTargets = targets.filter((t) => t.unitIds.length > 0);
  // A target that used up its budget last round (a unit that stalls, a tarpit) goes after the
  // others, so one slow peer cannot hold back healthy ones round after round.
  const rank = (t: Target): number => (order.first.has(label(t)) ? 0 : order.last.has(label(t)) ? 2 : 1);
  const plan = [0, 1, 2].flatMap((r) => wantedTargets.filter((t) => rank(t) === r));
  const devices: DiscoveredDevice[] = [];
  const report: ScanReport = { devices, targets: plan.length, linkFailures: 0, unitsSkipped: 0, busyLines: [], unscanned: [], slow: [] };
  const { limits } = details;
  const finished = new Set<string>();
  const progress = (): void => {
    if (!onProgress) return;
    const unscanned = plan.map(label).filter((l) => !finished.has(l) && !report.busyLines.includes(l));
    onProgress({ ...report, devices: [...devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), unscanned });
  };
  // In-flight requests end when their link closes: an aborted round does not wait for them.
  const openLinks = new Set<ModbusLink>();
  const closeAll = (): void => {
    for (const link of openLinks) void link.close();
  };
  signal.addEventListener('abort', closeAll, { once: true });

  await forEachBounded(plan, limits.concurrency, async (target) => {
    const deadline = Date.now() + limits.targetTimeoutMs;
    const remaining = (): number => Math.max(1, Math.min(limits.requestTimeoutMs, deadline - Date.now()));
    const open = async (): Promise<ModbusLink> => {
      const opening =
        target.kind === 'tcp' ? links.tcp(target.host, target.port, Math.min(limits.connectTimeoutMs, limits.targetTimeoutMs)) : links.rtu(target.path, target.line);
      const opened = await openUnlessAborted(opening, signal, label(target));
      openLinks.add(opened);
      return opened;
    };
    let link: ModbusLink | undefined;
    try {
      link = await open();
    } catch (err) {
      if (signal.aborted) return;
      if (target.kind === 'rtu') {
        report.busyLines.push(target.path);
        log.info('serial line present but not opened; keeping its units as last seen', { target: target.path, error: err instanceof Error ? err.message : String(err) });
        return;
      }
      // Nothing listening is the common case in a subnet scan: debug, not warn.
      log.debug('target unreachable', { target: label(target), error: err instanceof Error ? err.message : String(err) });
      finished.add(label(target));
      return;
    }
    try {
      for (const [index, unitId] of target.unitIds.entries()) {
        if (signal.aborted) return;
        if (Date.now() >= deadline) {
          report.unitsSkipped += target.unitIds.length - index;
          report.slow.push(label(target));
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
            openLinks.delete(link);
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
        progress();
      }
      if (!signal.aborted) finished.add(label(target));
    } catch (err) {
      if (!signal.aborted) {
        log.warn('target scan failed', { target: label(target), error: err instanceof Error ? err.message : String(err) });
        finished.add(label(target));
      }
    } finally {
      if (link) {
        openLinks.delete(link);
        await link.close();
      }
    }
  }, signal);
  signal.removeEventListener('abort', closeAll);
  report.unscanned = plan.map(label).filter((l) => !finished.has(l) && !report.busyLines.includes(l));
  devices.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return report;
}

/**
 * A line a broker holds open (serialport and pyserial take an exclusive flock) cannot be
 * probed, and probing it anyway would put a second master on the bus. Its units are therefore
 * carried over from the previous snapshot instead of vanishing, which would remove the very
 * Instance whose broker holds the line. A line whose device node is gone is not carried over.
 * Targets the round's deadline did not let us finish are carried over the same way: not
 * having asked is not having found them gone.
 */
export function withBusyLinesCarriedOver(previous: DiscoveredDevice[], report: ScanReport): DiscoveredDevice[] {
  if (report.busyLines.length === 0 && report.unscanned.length === 0) return report.devices;
  const busy = new Set(report.busyLines);
  const unscanned = new Set(report.unscanned);
  const found = new Set(report.devices.map((d) => d.id));
  const carried = previous.filter((d) => {
    if (found.has(d.id)) return false;
    const address = d.properties.MODBUS_ADDRESS ?? '';
    return (d.properties.MODBUS_TRANSPORT === 'rtu' && busy.has(address)) || unscanned.has(address);
  });
  return [...report.devices, ...carried].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
