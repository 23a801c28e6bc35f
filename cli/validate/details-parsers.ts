// Each shipped handler's own parse of discoveryDetails, by handler name: the same function the
// handler runs when the agent hands it a Configuration, so `validate` rejects exactly what the
// handler would. Imported lazily so validating a udev Configuration never loads node-opcua.
type DetailsParser = (details: string) => unknown;

const parsers: Record<string, () => Promise<DetailsParser>> = {
  debugEcho: async () => (await import('../../discovery-handlers/debug-echo/debug-echo-handler.ts')).parseDebugEchoDetails,
  onvif: async () => (await import('../../discovery-handlers/onvif/onvif-details.ts')).parseOnvifDetails,
  opcua: async () => (await import('../../discovery-handlers/opcua/opcua-details.ts')).parseOpcuaDetails,
  udev: async () => (await import('../../discovery-handlers/udev/udev-discovery-details.ts')).parseUdevDiscoveryDetails,
  modbus: async () => modbusFor('tcp'),
  modbusRtu: async () => modbusFor('rtu'),
  ble: async () => (await import('../../discovery-handlers/ble/details.ts')).parseBleDetails,
};

/** The Modbus handlers share one details schema; each refuses the other transport's section, as handler.ts does. */
async function modbusFor(transport: 'tcp' | 'rtu'): Promise<DetailsParser> {
  const { parseModbusDetails } = await import('../../discovery-handlers/modbus/details.ts');
  const { InvalidDiscoveryDetails } = await import('../../lib/discovery/handler.ts');
  return (details) => {
    const parsed = parseModbusDetails(details);
    if (transport === 'tcp' && parsed.rtu) throw new InvalidDiscoveryDetails('serial units are node-local: use discovery handler "modbusRtu" for rtu targets', 'rtu');
    if (transport === 'rtu' && parsed.tcp) throw new InvalidDiscoveryDetails('TCP units are shared between nodes: use discovery handler "modbus" for tcp targets', 'tcp');
    return parsed;
  };
}

/** undefined for a handler akri-ts does not ship (a custom one): its details cannot be checked here. */
export async function detailsParserFor(handler: string): Promise<DetailsParser | undefined> {
  const load = parsers[handler];
  return load ? load() : undefined;
}
