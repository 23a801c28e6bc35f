// The Modbus discovery handler, registered twice because Akri's protocol has one `shared`
// flag per handler name: `modbus` finds TCP units (shared: every node that can route to
// host:port sees the same device, so they get one Instance) and `modbusRtu` finds units on
// this node's serial lines (local: the agent hashes the id with the node name). Both read the
// same discoveryDetails schema and refuse the other transport's section by name.
import { InvalidDiscoveryDetails, type DiscoverRequest, type DiscoveredDevice, type DiscoveryHandler } from '../../lib/discovery/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { roundDeadline } from '../../lib/discovery/round-deadline.ts';
import { progressWhile } from '../../lib/discovery/progress-while.ts';
import { sleep } from '../../lib/time/sleep.ts';
import { parseModbusDetails } from './details.ts';
import { realLinks, scanOnce, withBusyLinesCarriedOver, type LinkFactory, type ScanOrder, type ScanReport } from './scan.ts';

export type ModbusTransport = 'tcp' | 'rtu';

export const MODBUS_TCP_HANDLER_NAME = 'modbus';
export const MODBUS_RTU_HANDLER_NAME = 'modbusRtu';

export interface ModbusHandlerOptions {
  transport: ModbusTransport;
  log?: Logger;
  links?: LinkFactory;
}

export class ModbusDiscoveryHandler implements DiscoveryHandler {
  readonly name: string;
  readonly shared: boolean;
  readonly snapshotsWithinRounds = true;
  private readonly transport: ModbusTransport;
  private readonly log: Logger;
  private readonly links: LinkFactory;

  constructor(options: ModbusHandlerOptions) {
    this.transport = options.transport;
    this.name = options.transport === 'tcp' ? MODBUS_TCP_HANDLER_NAME : MODBUS_RTU_HANDLER_NAME;
    this.shared = options.transport === 'tcp';
    this.log = (options.log ?? new Logger()).child({ component: 'discovery-handler', handler: this.name });
    this.links = options.links ?? realLinks;
  }

  async *discover(request: DiscoverRequest, signal: AbortSignal): AsyncIterable<DiscoveredDevice[]> {
    const details = parseModbusDetailsFor(this.transport, request.details);
    let previous: string | undefined;
    let last: DiscoveredDevice[] = [];
    let order: ScanOrder = { first: new Set(), last: new Set() };
    const fresh = (devices: DiscoveredDevice[]): boolean => {
      const snapshot = JSON.stringify(devices);
      if (snapshot === previous) return false;
      previous = snapshot;
      return true;
    };
    while (!signal.aborted) {
      const started = Date.now();
      const deadline = roundDeadline(signal, details.limits.roundTimeoutMs);
      let report: ScanReport | undefined;
      let partial: ScanReport | undefined;
      try {
        // A unit found is reported at once (with the units of targets not yet asked carried
        // over), not when the round's slowest target has used up its budget.
        const round = async (changed: () => void): Promise<void> => {
          report = await scanOnce(details, this.links, this.log, deadline.signal, order, (p) => {
            partial = p;
            changed();
          });
        };
        for await (const devices of progressWhile(round, () => (partial ? withBusyLinesCarriedOver(last, partial) : last))) {
          if (signal.aborted) return;
          if (fresh(devices)) yield devices;
        }
      } finally {
        deadline.dispose();
      }
      if (signal.aborted || !report) return;
      if (report.unscanned.length > 0) {
        this.log.warn('round deadline passed; targets not reached keep their devices and go first next round', {
          unscanned: report.unscanned.length,
          roundTimeoutMs: details.limits.roundTimeoutMs,
        });
      }
      order = { first: new Set(report.unscanned), last: new Set(report.slow) };
      this.log.debug('scan finished', {
        seconds: (Date.now() - started) / 1000,
        targets: report.targets,
        devices: report.devices.length,
        unitsSkipped: report.unitsSkipped,
        linkFailures: report.linkFailures,
      });
      // Snapshots replace each other; sending an unchanged one only wakes the agent for nothing.
      const devices = withBusyLinesCarriedOver(last, report);
      last = devices;
      if (fresh(devices)) yield devices;
      request.roundEnded?.();
      await sleep(details.discoveryIntervalSecs * 1000, signal);
    }
  }
}

/** The shared details schema, with each transport refusing the other's section by name. */
export function parseModbusDetailsFor(transport: ModbusTransport, text: string): ReturnType<typeof parseModbusDetails> {
  const details = parseModbusDetails(text);
  if (transport === 'tcp' && details.rtu) {
    throw new InvalidDiscoveryDetails(`serial units are node-local: use discovery handler "${MODBUS_RTU_HANDLER_NAME}" for rtu targets`, 'rtu');
  }
  if (transport === 'rtu' && details.tcp) {
    throw new InvalidDiscoveryDetails(`TCP units are shared between nodes: use discovery handler "${MODBUS_TCP_HANDLER_NAME}" for tcp targets`, 'tcp');
  }
  return details;
}
