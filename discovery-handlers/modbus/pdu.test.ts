// The 0x2B/0x0E decoder takes whatever a device sends: well-formed answers decode, every kind
// of broken one comes back as 'malformed' (never a throw, never an out-of-range read).
import { describe, expect, it } from 'vitest';
import { decodeDeviceIdentification, decodeReadRegisters, expectedResponsePduLength, readDeviceIdentificationRequest, readRegistersRequest } from './pdu.ts';

/** fc, MEI, read code, conformity, more follows, next id, count, then (id, len, bytes)... */
function idAnswer(objects: Array<[number, string]>, moreFollows = 0x00, nextObjectId = 0x00): Buffer {
  const body = objects.flatMap(([id, text]) => [id, text.length, ...Buffer.from(text, 'latin1')]);
  return Buffer.from([0x2b, 0x0e, 0x01, 0x01, moreFollows, nextObjectId, objects.length, ...body]);
}

describe('Read Device Identification requests and answers', () => {
  it('asks for the basic stream starting at the given object', () => {
    expect([...readDeviceIdentificationRequest(0)]).toEqual([0x2b, 0x0e, 0x01, 0x00]);
  });

  it('decodes vendor, product code and revision', () => {
    const result = decodeDeviceIdentification(idAnswer([[0, 'Acme'], [1, 'PLC-9'], [2, 'v1.2']]));
    expect(result.kind).toBe('ok');
    if (result.kind !== 'ok') return;
    expect(Object.fromEntries(result.value.objects)).toEqual({ 0: 'Acme', 1: 'PLC-9', 2: 'v1.2' });
    expect(result.value.moreFollows).toBe(false);
  });

  it('reports "more follows" with the next object id', () => {
    const result = decodeDeviceIdentification(idAnswer([[0, 'Acme']], 0xff, 0x01));
    expect(result).toMatchObject({ kind: 'ok', value: { moreFollows: true, nextObjectId: 1 } });
  });

  it('turns an exception answer into its code', () => {
    expect(decodeDeviceIdentification(Buffer.from([0xab, 0x01]))).toEqual({ kind: 'exception', code: 1 });
  });

  it.each([
    ['an empty PDU', Buffer.alloc(0)],
    ['an exception without its code', Buffer.from([0xab])],
    ['another function code', Buffer.from([0x03, 0x02, 0x00, 0x01])],
    ['a truncated header', Buffer.from([0x2b, 0x0e, 0x01, 0x01])],
    ['a different MEI type', Buffer.from([0x2b, 0x0d, 0x01, 0x01, 0x00, 0x00, 0x00])],
    ['a more-follows byte that is neither 00 nor FF', Buffer.from([0x2b, 0x0e, 0x01, 0x01, 0x07, 0x00, 0x00])],
    ['more objects announced than sent', Buffer.from([0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0x01, 0x41])],
    ['an object longer than the PDU', Buffer.from([0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x09, 0x41])],
    ['trailing bytes', Buffer.concat([idAnswer([[0, 'A']]), Buffer.from([0x00])])],
  ])('calls %s malformed', (_name, pdu) => {
    expect(decodeDeviceIdentification(pdu).kind).toBe('malformed');
  });
});

describe('probe register reads', () => {
  it('encodes function, address and count big-endian', () => {
    expect([...readRegistersRequest(0x04, 0x0108, 1)]).toEqual([0x04, 0x01, 0x08, 0x00, 0x01]);
  });

  it('decodes one register, and refuses a byte count that does not match', () => {
    expect(decodeReadRegisters(Buffer.from([0x03, 0x02, 0x02, 0x2b]), 0x03, 1)).toEqual({ kind: 'ok', value: [0x022b] });
    expect(decodeReadRegisters(Buffer.from([0x03, 0x04, 0x02, 0x2b]), 0x03, 1).kind).toBe('malformed');
    expect(decodeReadRegisters(Buffer.from([0x83, 0x02]), 0x03, 1)).toEqual({ kind: 'exception', code: 2 });
  });
});

describe('framing a response without a length field (RTU)', () => {
  it('needs more bytes until the structure tells the length', () => {
    const full = idAnswer([[0, 'Acme'], [1, 'X']]);
    for (let n = 0; n < full.length; n++) {
      const length = expectedResponsePduLength(full.subarray(0, n));
      if (length !== undefined) expect(length).toBe(full.length);
    }
    expect(expectedResponsePduLength(full)).toBe(full.length);
  });

  it('knows exception and register answers, and gives up on functions it never asks', () => {
    expect(expectedResponsePduLength(Buffer.from([0x83]))).toBe(2);
    expect(expectedResponsePduLength(Buffer.from([0x03, 0x04]))).toBe(6);
    expect(expectedResponsePduLength(Buffer.from([0x10]))).toBe('unknown');
  });
});
