// What the scanner needs from a transport: send one request PDU to one unit and get the
// response PDU back, or a typed failure. TCP and RTU links implement it; tests can fake it.

export interface ModbusLink {
  /** One request at a time; rejects with RequestTimeout, LinkClosed or FramingError. */
  request(unitId: number, pdu: Buffer, timeoutMs: number): Promise<Buffer>;
  /** False once the peer closed the connection or sent bytes that cannot be Modbus. */
  readonly usable: boolean;
  close(): Promise<void>;
}

/** The unit did not answer in time: absent, busy, or deaf to this function. */
export class RequestTimeout extends Error {
  constructor(unitId: number, timeoutMs: number) {
    super(`unit ${unitId} did not answer within ${timeoutMs} ms`);
    this.name = 'RequestTimeout';
  }
}

export class LinkClosed extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'LinkClosed';
  }
}

/** Bytes arrived but do not form a Modbus answer to what we asked. */
export class FramingError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'FramingError';
  }
}
