// Every discovery handler akri-ts ships, by the name a Configuration uses, with how to build it.
// The agent embeds handlers from here (--embed), and discovery-handlers/main.ts runs one as its
// own process. Factories import their handler lazily, so a process loads only the protocol
// libraries it uses (node-opcua and noble alone cost tens of MiB).
import type { DiscoveryHandler } from '../lib/discovery/handler.ts';
import type { Logger } from '../lib/observability/logger.ts';

export interface HandlerContext {
  logger: Logger;
  /** Settings come from the environment, as Akri's handlers take theirs. */
  env: NodeJS.ProcessEnv;
}

type Factory = (ctx: HandlerContext) => Promise<DiscoveryHandler>;

const bool = (v: string | undefined, fallback: boolean) => (v === undefined ? fallback : v.toLowerCase() === 'true');

const factories: Record<string, Factory> = {
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
  opcua: async ({ logger, env }) => {
    const { OpcuaDiscoveryHandler } = await import('./opcua/opcua-handler.ts');
    return new OpcuaDiscoveryHandler({ logger: logger.child({ handler: 'opcua' }), pkiFolder: env.OPCUA_PKI_FOLDER });
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
};

export const HANDLER_NAMES = Object.keys(factories);

export async function createHandler(name: string, ctx: HandlerContext): Promise<DiscoveryHandler> {
  const factory = factories[name];
  if (!factory) throw new Error(`unknown discovery handler "${name}"; known: ${HANDLER_NAMES.join(', ')}`);
  const handler = await factory(ctx);
  if (handler.name !== name) throw new Error(`handler factory "${name}" built a handler named "${handler.name}"`);
  return handler;
}
