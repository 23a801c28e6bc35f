// Every discovery handler akri-ts ships, by the name a Configuration uses: how to build it, and
// its own parse of discoveryDetails. The one list of handler names: the agent embeds handlers
// from here (--embed), discovery-handlers/main.ts runs one as its own process, and
// `akri-ts validate` checks details with the very parser the handler runs. Everything is
// imported lazily, so a process loads only the protocol libraries it uses (node-opcua and noble
// alone cost tens of MiB).
import type { DiscoveryHandler } from '../lib/discovery/handler.ts';
import type { Logger } from '../lib/observability/logger.ts';

export interface HandlerContext {
  logger: Logger;
  /** Settings come from the environment, as Akri's handlers take theirs. */
  env: NodeJS.ProcessEnv;
}

type Factory = (ctx: HandlerContext) => Promise<DiscoveryHandler>;

/** Throws InvalidDiscoveryDetails naming the field, as the handler itself would. */
export type DetailsParser = (details: string) => unknown;

const bool = (v: string | undefined, fallback: boolean) => (v === undefined ? fallback : v.toLowerCase() === 'true');

const factories = {
  debugEcho: async ({ env }) => {
    const { DebugEchoHandler } = await import('./debug-echo/debug-echo-handler.ts');
    const { DebugEchoAvailability } = await import('./debug-echo/availability.ts');
    return new DebugEchoHandler({
      shared: bool(env.DEBUG_ECHO_INSTANCES_SHARED, false),
      availability: new DebugEchoAvailability(env.DEBUG_ECHO_AVAILABILITY_FILE ?? '/tmp/debug-echo-availability.txt'),
      pollMs: Number(env.DEBUG_ECHO_POLL_MS ?? 10_000),
    });
  },
  onvif: async ({ logger }) => {
    const { OnvifDiscoveryHandler } = await import('./onvif/onvif-handler.ts');
    return new OnvifDiscoveryHandler({ logger: logger.child({ handler: 'onvif' }) });
  },
  opcua: async ({ logger }) => {
    const { OpcuaDiscoveryHandler } = await import('./opcua/opcua-handler.ts');
    return new OpcuaDiscoveryHandler({ logger: logger.child({ handler: 'opcua' }) });
  },
  udev: async ({ logger, env }) => {
    const { UdevDiscoveryHandler } = await import('./udev/udev-discovery-handler.ts');
    const { udevDeviceSourceFromEnv } = await import('./udev/udev-handler-settings.ts');
    return new UdevDiscoveryHandler({ logger: logger.child({ handler: 'udev' }), choice: udevDeviceSourceFromEnv(env) });
  },
  modbus: async ({ logger }) => {
    const { ModbusDiscoveryHandler } = await import('./modbus/handler.ts');
    return new ModbusDiscoveryHandler({ transport: 'tcp', log: logger.child({ handler: 'modbus' }) });
  },
  modbusRtu: async ({ logger }) => {
    const { ModbusDiscoveryHandler } = await import('./modbus/handler.ts');
    return new ModbusDiscoveryHandler({ transport: 'rtu', log: logger.child({ handler: 'modbusRtu' }) });
  },
  ble: async () => {
    const { BleDiscoveryHandler } = await import('./ble/ble-handler.ts');
    return new BleDiscoveryHandler();
  },
} satisfies Record<string, Factory>;

// Keyed by the same names as the factories: the type checker refuses one list without the other.
const detailsParsers: Record<keyof typeof factories, () => Promise<DetailsParser>> = {
  debugEcho: async () => (await import('./debug-echo/debug-echo-handler.ts')).parseDebugEchoDetails,
  onvif: async () => (await import('./onvif/onvif-details.ts')).parseOnvifDetails,
  opcua: async () => (await import('./opcua/opcua-details.ts')).parseOpcuaDetails,
  udev: async () => (await import('./udev/udev-discovery-details.ts')).parseUdevDiscoveryDetails,
  modbus: async () => {
    const { parseModbusDetailsFor } = await import('./modbus/handler.ts');
    return (details) => parseModbusDetailsFor('tcp', details);
  },
  modbusRtu: async () => {
    const { parseModbusDetailsFor } = await import('./modbus/handler.ts');
    return (details) => parseModbusDetailsFor('rtu', details);
  },
  ble: async () => (await import('./ble/details.ts')).parseBleDetails,
};

export const HANDLER_NAMES = Object.keys(factories);

/** The handler's own discoveryDetails parser; undefined for a handler akri-ts does not ship. */
export async function detailsParser(name: string): Promise<DetailsParser | undefined> {
  const load = (detailsParsers as Record<string, (() => Promise<DetailsParser>) | undefined>)[name];
  return load ? load() : undefined;
}

export async function createHandler(name: string, ctx: HandlerContext): Promise<DiscoveryHandler> {
  const factory = (factories as Record<string, Factory | undefined>)[name];
  if (!factory) throw new Error(`unknown discovery handler "${name}"; known: ${HANDLER_NAMES.join(', ')}`);
  const handler = await factory(ctx);
  if (handler.name !== name) throw new Error(`handler factory "${name}" built a handler named "${handler.name}"`);
  return handler;
}
