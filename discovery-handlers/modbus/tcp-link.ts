// A Modbus TCP client connection of our own (net.Socket + MBAP), so every connect and request
// carries its own timeout and a late answer is matched by transaction id and dropped, which
// keeps a silent unit from stalling or confusing the units probed after it on the same socket.
import { Socket } from 'node:net';
import { FramingError, LinkClosed, RequestTimeout, type ModbusLink } from './link.ts';
import { MbapDecoder, encodeMbap, type MbapFrame } from './mbap.ts';

interface Pending {
  transactionId: number;
  resolve(pdu: Buffer): void;
  reject(err: Error): void;
}

export class TcpLink implements ModbusLink {
  private readonly decoder = new MbapDecoder();
  private nextTransactionId = 1;
  private pending: Pending | undefined;
  private closedBecause: string | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(`socket error: ${err.message}`));
    socket.on('close', () => this.fail('peer closed the connection'));
  }

  static connect(host: string, port: number, timeoutMs: number): Promise<TcpLink> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new LinkClosed(`connect ${host}:${port}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new LinkClosed(`connect ${host}:${port}: ${err.message}`));
      });
      socket.connect({ host, port }, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new TcpLink(socket));
      });
    });
  }

  get usable(): boolean {
    return this.closedBecause === undefined;
  }

  request(unitId: number, pdu: Buffer, timeoutMs: number): Promise<Buffer> {
    if (this.closedBecause !== undefined) return Promise.reject(new LinkClosed(this.closedBecause));
    if (this.pending) return Promise.reject(new Error('TcpLink: one request at a time'));
    const transactionId = this.nextTransactionId;
    this.nextTransactionId = (this.nextTransactionId % 0xffff) + 1;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new RequestTimeout(unitId, timeoutMs));
      }, timeoutMs);
      this.pending = {
        transactionId,
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.socket.write(encodeMbap({ transactionId, unitId, pdu }));
    });
  }

  close(): Promise<void> {
    this.fail('closed by the scanner');
    return new Promise((resolve) => {
      if (this.socket.destroyed) resolve();
      else this.socket.end(() => resolve());
      // end() waits for the peer; never let a half-open peer hold the scan.
      setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 200).unref();
    });
  }

  private onData(chunk: Buffer): void {
    let frames: MbapFrame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.pending?.reject(new FramingError(reason));
      this.pending = undefined;
      this.fail(reason);
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      const pending = this.pending;
      // A different transaction id is the late answer to a request that already timed out.
      if (!pending || frame.transactionId !== pending.transactionId) continue;
      this.pending = undefined;
      pending.resolve(frame.pdu);
    }
  }

  private fail(reason: string): void {
    if (this.closedBecause === undefined) this.closedBecause = reason;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(new LinkClosed(reason));
  }
}
