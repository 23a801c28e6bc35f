// Identification against scripted units: what answer (or silence) leads to "present, with
// which identity" and what to "absent", and that a chatty or silent device cannot hold us.
import { describe, expect, it } from 'vitest';
import { acceptsDevice } from './filters.ts';
import { identifyUnit, type IdentifyOptions } from './identify.ts';
import { LinkClosed, RequestTimeout, type ModbusLink } from './link.ts';

type Reply = Buffer | 'silence' | 'hang-up';

/** Answers each request with the next scripted reply and records what was asked. */
class ScriptedLink implements ModbusLink {
  readonly asked: number[][] = [];
  usable = true;
  constructor(private readonly replies: Reply[]) {}
  async request(unitId: number, pdu: Buffer, timeoutMs: number): Promise<Buffer> {
    this.asked.push([...pdu]);
    const reply = this.replies.shift() ?? 'silence';
    if (reply === 'silence') throw new RequestTimeout(unitId, timeoutMs);
    if (reply === 'hang-up') {
      this.usable = false;
      throw new LinkClosed('peer closed the connection');
    }
    return reply;
  }
  async close(): Promise<void> {}
}

const options: IdentifyOptions = { deviceIdentification: true, probeRegister: { functionCode: 3, address: 0 }, requestTimeoutMs: () => 50 };

function idAnswer(objects: Array<[number, string]>, moreFollows = 0, next = 0): Buffer {
  const body = objects.flatMap(([id, text]) => [id, text.length, ...Buffer.from(text)]);
  return Buffer.from([0x2b, 0x0e, 0x01, 0x01, moreFollows, next, objects.length, ...body]);
}

const registerOk = Buffer.from([0x03, 0x02, 0x00, 0x07]);

describe('identifying a unit', () => {
  it('reads the probe register, then takes vendor, product and revision from Read Device Identification', async () => {
    const link = new ScriptedLink([registerOk, idAnswer([[0, 'Acme'], [1, 'PLC-9'], [2, '1.2']])]);
    expect(await identifyUnit(link, 1, options)).toEqual({ vendorName: 'Acme', productCode: 'PLC-9', revision: '1.2', identifiedBy: 'deviceIdentification' });
    expect(link.asked).toEqual([[0x03, 0x00, 0x00, 0x00, 0x01], [0x2b, 0x0e, 0x01, 0x00]]);
  });

  it('follows "more follows" for objects split over several answers', async () => {
    const link = new ScriptedLink([registerOk, idAnswer([[0, 'Acme']], 0xff, 1), idAnswer([[1, 'PLC-9'], [2, '1.2']])]);
    expect(await identifyUnit(link, 1, options)).toMatchObject({ vendorName: 'Acme', productCode: 'PLC-9', revision: '1.2' });
    expect(link.asked.slice(1).map((pdu) => pdu[3])).toEqual([0, 1]);
  });

  it('stops when a device keeps saying "more follows" without moving forward', async () => {
    const looping = idAnswer([[0, 'Acme']], 0xff, 0);
    const link = new ScriptedLink([registerOk, looping, looping, looping]);
    expect(await identifyUnit(link, 1, options)).toMatchObject({ vendorName: 'Acme' });
    expect(link.asked).toHaveLength(2);
  });

  it.each([
    ['answers "illegal function"', Buffer.from([0xab, 0x01])],
    ['stays silent (libmodbus over RTU)', 'silence' as const],
    ['sends a malformed answer', Buffer.from([0x2b, 0x0e, 0x01])],
  ])('lists a unit whose register answers but which %s to identification, without identity', async (_name, reply) => {
    const link = new ScriptedLink([registerOk, reply]);
    expect(await identifyUnit(link, 1, options)).toEqual({ vendorName: '', productCode: '', revision: '', identifiedBy: 'probeRegister' });
  });

  it('still identifies a unit that lacks the probe register', async () => {
    const link = new ScriptedLink([Buffer.from([0x83, 0x02]), idAnswer([[0, 'Acme']])]);
    expect(await identifyUnit(link, 1, options)).toMatchObject({ vendorName: 'Acme', identifiedBy: 'deviceIdentification' });
  });

  it('calls a unit that answers both requests with exceptions absent', async () => {
    const link = new ScriptedLink([Buffer.from([0x83, 0x02]), Buffer.from([0xab, 0x01])]);
    expect(await identifyUnit(link, 1, options)).toBeUndefined();
  });

  it('calls a unit id behind a gateway with nothing attached absent, after one request', async () => {
    const link = new ScriptedLink([Buffer.from([0x83, 0x0b])]);
    expect(await identifyUnit(link, 9, options)).toBeUndefined();
    expect(link.asked).toHaveLength(1);
  });

  it('asks a silent unit once and moves on', async () => {
    const link = new ScriptedLink(['silence', idAnswer([[0, 'Acme']])]);
    expect(await identifyUnit(link, 3, options)).toBeUndefined();
    expect(link.asked).toHaveLength(1);
  });

  it('uses identification alone when the probe is off', async () => {
    expect(await identifyUnit(new ScriptedLink([idAnswer([[0, 'Acme']])]), 1, { ...options, probeRegister: null })).toMatchObject({ vendorName: 'Acme' });
    expect(await identifyUnit(new ScriptedLink([Buffer.from([0xab, 0x01])]), 1, { ...options, probeRegister: null })).toBeUndefined();
  });

  it('uses the probe alone when identification is off', async () => {
    const link = new ScriptedLink([registerOk]);
    expect(await identifyUnit(link, 1, { ...options, deviceIdentification: false })).toMatchObject({ identifiedBy: 'probeRegister' });
    expect(link.asked).toHaveLength(1);
  });

  it('reports a hang-up to the caller, which reconnects', async () => {
    await expect(identifyUnit(new ScriptedLink(['hang-up']), 1, options)).rejects.toBeInstanceOf(LinkClosed);
  });
});

describe('filters', () => {
  const acme = { vendorName: 'Acme', productCode: 'PLC-9', revision: '1', identifiedBy: 'deviceIdentification' as const };
  const anonymous = { vendorName: '', productCode: '', revision: '', identifiedBy: 'probeRegister' as const };

  it('Include on vendor keeps listed vendors and drops units without identification', () => {
    const filters = { vendorNames: { action: 'Include' as const, items: ['Acme'] } };
    expect(acceptsDevice(filters, 1, acme)).toBe(true);
    expect(acceptsDevice(filters, 1, { ...acme, vendorName: 'Other' })).toBe(false);
    expect(acceptsDevice(filters, 1, anonymous)).toBe(false);
  });

  it('Exclude on product drops listed products and keeps units without identification', () => {
    const filters = { productCodes: { action: 'Exclude' as const, items: ['PLC-9'] } };
    expect(acceptsDevice(filters, 1, acme)).toBe(false);
    expect(acceptsDevice(filters, 1, anonymous)).toBe(true);
  });

  it('filters on unit id', () => {
    const filters = { unitIds: { action: 'Exclude' as const, items: [2, 3] } };
    expect(acceptsDevice(filters, 1, acme)).toBe(true);
    expect(acceptsDevice(filters, 3, acme)).toBe(false);
  });
});
