// Decides whether a unit id answers and who it is. With both enabled, the probe register
// read goes first: every Modbus device knows function 3 or 4, so silence there means nobody is
// home and an absent unit costs one timeout, not two. A unit that answered anything is then
// asked Read Device Identification (0x2B/0x0E) for vendor, product and revision. Some devices
// (libmodbus over RTU is one) stay silent on 0x2B instead of answering "illegal function";
// they are still listed, identified by the probe alone. Gateway exceptions (0x0A, 0x0B) mean
// "nothing behind this unit id"; exceptions to both requests mean nothing usable answered.
import { LinkClosed, RequestTimeout, type ModbusLink } from './link.ts';
import {
  EXCEPTION_GATEWAY_PATH_UNAVAILABLE,
  EXCEPTION_GATEWAY_TARGET_NO_RESPONSE,
  OBJECT_MAJOR_MINOR_REVISION,
  OBJECT_PRODUCT_CODE,
  OBJECT_VENDOR_NAME,
  decodeDeviceIdentification,
  decodeReadRegisters,
  readDeviceIdentificationRequest,
  readRegistersRequest,
} from './pdu.ts';
import type { ProbeRegister } from './details.ts';

export interface UnitIdentity {
  vendorName: string;
  productCode: string;
  revision: string;
  identifiedBy: 'deviceIdentification' | 'probeRegister';
}

export interface IdentifyOptions {
  deviceIdentification: boolean;
  probeRegister: ProbeRegister | null;
  /** Per request; the caller shortens it near the end of a target's time budget. */
  requestTimeoutMs: () => number;
}

/** A device that keeps saying "more follows" must not keep us asking. */
const MAX_IDENTIFICATION_ROUNDS = 4;

type Probe = 'answered' | 'exception' | 'absent';
type Identification = { outcome: 'identified'; identity: UnitIdentity } | { outcome: 'absent' } | { outcome: 'unidentified' };

function isGatewayException(code: number): boolean {
  return code === EXCEPTION_GATEWAY_PATH_UNAVAILABLE || code === EXCEPTION_GATEWAY_TARGET_NO_RESPONSE;
}

async function askDeviceIdentification(link: ModbusLink, unitId: number, options: IdentifyOptions): Promise<Identification> {
  const objects = new Map<number, string>();
  let objectId = OBJECT_VENDOR_NAME;
  for (let round = 0; round < MAX_IDENTIFICATION_ROUNDS; round++) {
    let answer: Buffer;
    try {
      answer = await link.request(unitId, readDeviceIdentificationRequest(objectId), options.requestTimeoutMs());
    } catch (err) {
      if (err instanceof LinkClosed) throw err;
      // Silence after a first answer: keep the objects we already have.
      if (round > 0) break;
      return { outcome: err instanceof RequestTimeout ? 'absent' : 'unidentified' };
    }
    const part = decodeDeviceIdentification(answer);
    if (part.kind === 'exception') {
      if (round > 0) break;
      return isGatewayException(part.code) ? { outcome: 'absent' } : { outcome: 'unidentified' };
    }
    if (part.kind === 'malformed') {
      if (round > 0) break;
      return { outcome: 'unidentified' };
    }
    for (const [id, value] of part.value.objects) objects.set(id, value);
    // Follow "more follows" only forward, so a device cannot loop us.
    if (!part.value.moreFollows || part.value.nextObjectId <= objectId || part.value.nextObjectId > OBJECT_MAJOR_MINOR_REVISION) break;
    objectId = part.value.nextObjectId;
  }
  return {
    outcome: 'identified',
    identity: {
      vendorName: objects.get(OBJECT_VENDOR_NAME) ?? '',
      productCode: objects.get(OBJECT_PRODUCT_CODE) ?? '',
      revision: objects.get(OBJECT_MAJOR_MINOR_REVISION) ?? '',
      identifiedBy: 'deviceIdentification',
    },
  };
}

async function readProbeRegister(link: ModbusLink, unitId: number, probe: ProbeRegister, options: IdentifyOptions): Promise<Probe> {
  let answer: Buffer;
  try {
    answer = await link.request(unitId, readRegistersRequest(probe.functionCode, probe.address, 1), options.requestTimeoutMs());
  } catch (err) {
    if (err instanceof LinkClosed) throw err;
    // Timeout or a garbled answer: nothing we can call a device.
    return 'absent';
  }
  const result = decodeReadRegisters(answer, probe.functionCode, 1);
  if (result.kind === 'ok') return 'answered';
  if (result.kind === 'exception') return isGatewayException(result.code) ? 'absent' : 'exception';
  return 'absent';
}

const PROBED_ONLY: UnitIdentity = { vendorName: '', productCode: '', revision: '', identifiedBy: 'probeRegister' };

/** undefined = no device at this unit id. Throws LinkClosed when the transport is gone. */
export async function identifyUnit(link: ModbusLink, unitId: number, options: IdentifyOptions): Promise<UnitIdentity | undefined> {
  if (!options.probeRegister) {
    if (!options.deviceIdentification) return undefined;
    const id = await askDeviceIdentification(link, unitId, options);
    return id.outcome === 'identified' ? id.identity : undefined;
  }
  const probe = await readProbeRegister(link, unitId, options.probeRegister, options);
  if (probe === 'absent') return undefined;
  if (!options.deviceIdentification) return probe === 'answered' ? PROBED_ONLY : undefined;
  const id = await askDeviceIdentification(link, unitId, options);
  if (id.outcome === 'identified') return id.identity;
  return probe === 'answered' ? PROBED_ONLY : undefined;
}
