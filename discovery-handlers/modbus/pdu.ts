// Modbus PDUs the scanner sends and the decoders for their answers. Pure: bytes in, values or a
// typed failure out. Kept apart from the transports so TCP (MBAP) and RTU (CRC) frames share
// one decoder, and malformed answers from odd devices are a return value, never a throw.

export const FC_READ_HOLDING_REGISTERS = 0x03;
export const FC_READ_INPUT_REGISTERS = 0x04;
export const FC_ENCAPSULATED_INTERFACE = 0x2b;
export const MEI_READ_DEVICE_IDENTIFICATION = 0x0e;
/** Read Device ID code 01: the basic stream (objects 0x00..0x02). */
export const READ_DEVICE_ID_BASIC = 0x01;

export const OBJECT_VENDOR_NAME = 0x00;
export const OBJECT_PRODUCT_CODE = 0x01;
export const OBJECT_MAJOR_MINOR_REVISION = 0x02;

/** Exception codes that a gateway returns for a unit id with nothing behind it. */
export const EXCEPTION_GATEWAY_PATH_UNAVAILABLE = 0x0a;
export const EXCEPTION_GATEWAY_TARGET_NO_RESPONSE = 0x0b;

export type PduResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'exception'; code: number }
  | { kind: 'malformed'; reason: string };

export function readDeviceIdentificationRequest(objectId: number): Buffer {
  return Buffer.from([FC_ENCAPSULATED_INTERFACE, MEI_READ_DEVICE_IDENTIFICATION, READ_DEVICE_ID_BASIC, objectId & 0xff]);
}

export function readRegistersRequest(functionCode: number, address: number, count: number): Buffer {
  const pdu = Buffer.alloc(5);
  pdu.writeUInt8(functionCode, 0);
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(count, 3);
  return pdu;
}

/** One answer to Read Device Identification; `moreFollows` asks for another request. */
export interface DeviceIdentificationPart {
  conformityLevel: number;
  moreFollows: boolean;
  nextObjectId: number;
  objects: Map<number, string>;
}

function checkException(pdu: Buffer, functionCode: number): PduResult<never> | undefined {
  if (pdu.length < 1) return { kind: 'malformed', reason: 'empty PDU' };
  const fc = pdu.readUInt8(0);
  if (fc === (functionCode | 0x80)) {
    if (pdu.length < 2) return { kind: 'malformed', reason: 'exception response without a code' };
    return { kind: 'exception', code: pdu.readUInt8(1) };
  }
  if (fc !== functionCode) {
    return { kind: 'malformed', reason: `function code 0x${fc.toString(16)} answers 0x${functionCode.toString(16)}` };
  }
  return undefined;
}

export function decodeDeviceIdentification(pdu: Buffer): PduResult<DeviceIdentificationPart> {
  const failed = checkException(pdu, FC_ENCAPSULATED_INTERFACE);
  if (failed) return failed;
  // fc, MEI type, read code, conformity, more follows, next object id, number of objects
  if (pdu.length < 7) return { kind: 'malformed', reason: `header needs 7 bytes, got ${pdu.length}` };
  if (pdu.readUInt8(1) !== MEI_READ_DEVICE_IDENTIFICATION) {
    return { kind: 'malformed', reason: `MEI type 0x${pdu.readUInt8(1).toString(16)} is not 0x0e` };
  }
  const moreFollowsByte = pdu.readUInt8(4);
  if (moreFollowsByte !== 0x00 && moreFollowsByte !== 0xff) {
    return { kind: 'malformed', reason: `more-follows byte 0x${moreFollowsByte.toString(16)}` };
  }
  const count = pdu.readUInt8(6);
  const objects = new Map<number, string>();
  let at = 7;
  for (let i = 0; i < count; i++) {
    if (at + 2 > pdu.length) return { kind: 'malformed', reason: `object ${i + 1} of ${count} is missing` };
    const id = pdu.readUInt8(at);
    const length = pdu.readUInt8(at + 1);
    if (at + 2 + length > pdu.length) {
      return { kind: 'malformed', reason: `object 0x${id.toString(16)} claims ${length} bytes beyond the PDU` };
    }
    // The spec says ASCII; latin1 keeps every byte without replacement characters.
    objects.set(id, pdu.toString('latin1', at + 2, at + 2 + length));
    at += 2 + length;
  }
  if (at !== pdu.length) return { kind: 'malformed', reason: `${pdu.length - at} trailing bytes` };
  return {
    kind: 'ok',
    value: {
      conformityLevel: pdu.readUInt8(3),
      moreFollows: moreFollowsByte === 0xff,
      nextObjectId: pdu.readUInt8(5),
      objects,
    },
  };
}

export function decodeReadRegisters(pdu: Buffer, functionCode: number, count: number): PduResult<number[]> {
  const failed = checkException(pdu, functionCode);
  if (failed) return failed;
  if (pdu.length < 2) return { kind: 'malformed', reason: 'no byte count' };
  const byteCount = pdu.readUInt8(1);
  if (byteCount !== count * 2 || pdu.length !== 2 + byteCount) {
    return { kind: 'malformed', reason: `byte count ${byteCount} for ${count} registers in ${pdu.length} bytes` };
  }
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(pdu.readUInt16BE(2 + 2 * i));
  return { kind: 'ok', value: values };
}

/**
 * How long a response PDU is, judging from its first bytes, for transports without a length
 * field (RTU). undefined = need more bytes; 'unknown' = cannot frame this function code.
 */
export function expectedResponsePduLength(head: Buffer): number | undefined | 'unknown' {
  if (head.length < 1) return undefined;
  const fc = head.readUInt8(0);
  if (fc & 0x80) return 2;
  if (fc === FC_READ_HOLDING_REGISTERS || fc === FC_READ_INPUT_REGISTERS) {
    return head.length < 2 ? undefined : 2 + head.readUInt8(1);
  }
  if (fc === FC_ENCAPSULATED_INTERFACE) {
    if (head.length < 7) return undefined;
    let at = 7;
    for (let i = 0; i < head.readUInt8(6); i++) {
      if (at + 2 > head.length) return undefined;
      at += 2 + head.readUInt8(at + 1);
    }
    return at;
  }
  return 'unknown';
}
