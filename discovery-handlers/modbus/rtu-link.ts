// A Modbus RTU master on one serial line. The line is a bus: one request at a time, and every
// unit hears every frame, so before each request we drop stray bytes (a late answer from the
// previous, timed-out unit) and wait the 3.5-character silence that delimits RTU frames.
import { sleep } from '../../lib/time/sleep.ts';
import { FramingError, LinkClosed, RequestTimeout, type ModbusLink } from './link.ts';
import { decodeRtuResponse, encodeRtu } from './rtu-frame.ts';
import { openSerialLine, type SerialLine, type SerialLineOptions } from './serial-port.ts';

interface Pending {
  unitId: number;
  resolve(pdu: Buffer): void;
  reject(err: Error): void;
}

export class RtuLink implements ModbusLink {
  private received: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  private closedBecause: string | undefined;
  private readonly silenceMs: number;

  private constructor(
    private readonly line: SerialLine,
    baudRate: number,
  ) {
    // 3.5 characters of 11 bits; the spec fixes 1.75 ms above 19200 baud. Round up generously:
    // USB adapters and ptys deliver bytes in bursts.
    this.silenceMs = Math.max(2, Math.ceil((3.5 * 11 * 1000) / baudRate)) + 2;
    line.on('data', (chunk) => this.onData(chunk));
    line.on('error', (err) => this.fail(`serial error: ${err.message}`));
    line.on('close', () => this.fail('serial line closed'));
  }

  static async open(options: SerialLineOptions): Promise<RtuLink> {
    try {
      return new RtuLink(await openSerialLine(options), options.baudRate);
    } catch (err) {
      throw new LinkClosed(`open ${options.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  get usable(): boolean {
    return this.closedBecause === undefined;
  }

  async request(unitId: number, pdu: Buffer, timeoutMs: number): Promise<Buffer> {
    if (this.closedBecause !== undefined) throw new LinkClosed(this.closedBecause);
    if (this.pending) throw new Error('RtuLink: one request at a time');
    await sleep(this.silenceMs);
    this.received = Buffer.alloc(0);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new RequestTimeout(unitId, timeoutMs));
      }, timeoutMs);
      this.pending = {
        unitId,
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.line.write(encodeRtu(unitId, pdu));
    });
  }

  close(): Promise<void> {
    this.fail('closed by the scanner');
    return new Promise((resolve) => {
      if (!this.line.isOpen) resolve();
      else this.line.close(() => resolve());
    });
  }

  private onData(chunk: Buffer): void {
    const pending = this.pending;
    if (!pending) return;
    this.received = Buffer.concat([this.received, chunk]);
    const decoded = decodeRtuResponse(this.received);
    if (decoded.kind === 'incomplete') return;
    this.pending = undefined;
    if (decoded.kind === 'invalid') pending.reject(new FramingError(decoded.reason));
    else if (decoded.unitId !== pending.unitId) {
      pending.reject(new FramingError(`unit ${decoded.unitId} answered a request to unit ${pending.unitId}`));
    } else pending.resolve(decoded.pdu);
  }

  private fail(reason: string): void {
    if (this.closedBecause === undefined) this.closedBecause = reason;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(new LinkClosed(reason));
  }
}
