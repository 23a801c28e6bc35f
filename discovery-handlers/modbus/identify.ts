// Decides whether a unit id answers and who it is: Read Device Identification (basic objects)
// first, then a probe read of one register. Only a normal answer makes a unit present; an
// exception to the probe means the register is not there, so users point probeRegister at one
// their devices have. Gateway exceptions (0x0A, 0x0B) mean "nothing behind this unit id".
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

type Step = { outcome: 'identified'; identity: UnitIdentity } | { outcome: 'absent' } | { outcome: 'fallback' };

function isGatewayException(code: number): boolean {
  return code === EXCEPTION_GATEWAY_PATH_UNAVAILABLE || code === EXCEPTION_GATEWAY_TARGET_NO_RESPONSE;
}

async function askDeviceIdentification(link: ModbusLink, unitId: number, options: IdentifyOptions): Promise<Step> {
  const objects = new Map<number, string>();
  let objectId = OBJECT_VENDOR_NAME;
  for (let round = 0; round < MAX_IDENTIFICATION_ROUNDS; round++) {
    let answer: Buffer;
    try {
      answer = await link.request(unitId, readDeviceIdentificationRequest(objectId), options.requestTimeoutMs());
    } catch (err) {
      // Silence to the first request: nobody is there (a conformant device that lacks 0x2B
      // answers "illegal function"). Silence later: keep what we have.
      if (err instanceof RequestTimeout) {
        if (round === 0) return { outcome: 'absent' };
        break;
      }
      if (err instanceof LinkClosed) throw err;
      return { outcome: 'fallback' };
    }
    const part = decodeDeviceIdentification(answer);
    if (part.kind === 'exception') return isGatewayException(part.code) ? { outcome: 'absent' } : { outcome: 'fallback' };
    if (part.kind === 'malformed') return { outcome: 'fallback' };
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

async function probeRegister(link: ModbusLink, unitId: number, probe: ProbeRegister, options: IdentifyOptions): Promise<boolean> {
  try {
    const answer = await link.request(unitId, readRegistersRequest(probe.functionCode, probe.address, 1), options.requestTimeoutMs());
    return decodeReadRegisters(answer, probe.functionCode, 1).kind === 'ok';
  } catch (err) {
    if (err instanceof LinkClosed) throw err;
    return false;
  }
}

/** undefined = no device at this unit id. Throws LinkClosed when the transport is gone. */
export async function identifyUnit(link: ModbusLink, unitId: number, options: IdentifyOptions): Promise<UnitIdentity | undefined> {
  if (options.deviceIdentification) {
    const step = await askDeviceIdentification(link, unitId, options);
    if (step.outcome === 'identified') return step.identity;
    if (step.outcome === 'absent') return undefined;
  }
  if (!options.probeRegister) return undefined;
  if (!(await probeRegister(link, unitId, options.probeRegister, options))) return undefined;
  return { vendorName: '', productCode: '', revision: '', identifiedBy: 'probeRegister' };
}
