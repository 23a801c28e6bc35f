// The Modbus discovery handler, registered twice because Akri's protocol has one `shared`
// flag per handler name: `modbus` finds TCP units (shared: every node that can route to
// host:port sees the same device, so they get one Instance) and `modbusRtu` finds units on
// this node's serial lines (local: the agent hashes the id with the node name). Both read the
// same discoveryDetails schema and refuse the other transport's section by name.
import { InvalidDiscoveryDetails, type DiscoverRequest, type DiscoveredDevice, type DiscoveryHandler } from '../../lib/discovery/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { sleep } from '../../lib/time/sleep.ts';
import { parseModbusDetails } from './details.ts';
import { realLinks, scanOnce, withBusyLinesCarriedOver, type LinkFactory } from './scan.ts';

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
    while (!signal.aborted) {
      const started = Date.now();
      const report = await scanOnce(details, this.links, this.log, signal);
      if (signal.aborted) return;
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
      const snapshot = JSON.stringify(devices);
      if (snapshot !== previous) {
        previous = snapshot;
        yield devices;
      }
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
