// Turns a found unit into the DiscoveredDevice the agent publishes: a stable id, the
// MODBUS_* properties the broker reads, and (RTU only) the serial port as a DeviceSpec.
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import type { RtuTargets } from './details.ts';
import type { UnitIdentity } from './identify.ts';

function identityProperties(identity: UnitIdentity): Record<string, string> {
  return {
    MODBUS_VENDOR_NAME: identity.vendorName,
    MODBUS_PRODUCT_CODE: identity.productCode,
    MODBUS_REVISION: identity.revision,
  };
}

/** Id `tcp://<host>:<port>/<unit>`: the same from every node, so the Instance is shared. */
export function tcpDevice(host: string, port: number, unitId: number, identity: UnitIdentity): DiscoveredDevice {
  return {
    id: `tcp://${host}:${port}/${unitId}`,
    properties: {
      MODBUS_TRANSPORT: 'tcp',
      MODBUS_ADDRESS: `${host}:${port}`,
      MODBUS_UNIT_ID: String(unitId),
      ...identityProperties(identity),
    },
    mounts: [],
    deviceSpecs: [],
  };
}

/**
 * Id `rtu://<path>/<unit>` (path keeps its leading slash). The agent hashes it with the node
 * name because the modbusRtu registration is not shared. Every unit on one line carries the
 * same DeviceSpec: the line is one device node, and the broker that gets it talks to the bus.
 */
export function rtuDevice(path: string, line: RtuTargets, unitId: number, identity: UnitIdentity): DiscoveredDevice {
  return {
    id: `rtu://${path}/${unitId}`,
    properties: {
      MODBUS_TRANSPORT: 'rtu',
      MODBUS_ADDRESS: path,
      MODBUS_UNIT_ID: String(unitId),
      ...identityProperties(identity),
      // The broker must open the line with the settings the unit answered on.
      MODBUS_BAUD_RATE: String(line.baudRate),
      MODBUS_PARITY: line.parity,
      MODBUS_DATA_BITS: String(line.dataBits),
      MODBUS_STOP_BITS: String(line.stopBits),
    },
    mounts: [],
    deviceSpecs: [{ containerPath: path, hostPath: path, permissions: 'rw' }],
  };
}
