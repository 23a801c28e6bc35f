// The TCP link against a scripted peer on loopback: a late answer to a timed-out request must
// not be taken as the answer to the next one, and a peer that speaks something other than
// Modbus ends the link with a clear error instead of hanging it.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FramingError, LinkClosed, RequestTimeout } from './link.ts';
import { MbapDecoder, encodeMbap } from './mbap.ts';
import { TcpLink } from './tcp-link.ts';

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** Answers the n-th request (0-based) after delays[n] ms, echoing its unit id in a register. */
async function peer(delays: number[], raw?: Buffer): Promise<number> {
  server = createServer((socket) => {
    const decoder = new MbapDecoder();
    let n = 0;
    socket.on('data', (chunk) => {
      if (raw) {
        socket.write(raw);
        return;
      }
      for (const frame of decoder.push(chunk)) {
        const delay = delays[n++] ?? 0;
        const answer = encodeMbap({ transactionId: frame.transactionId, unitId: frame.unitId, pdu: Buffer.from([0x03, 0x02, 0x00, frame.unitId]) });
        setTimeout(() => socket.write(answer), delay);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server?.address() as AddressInfo).port;
}

const read = Buffer.from([0x03, 0x00, 0x00, 0x00, 0x01]);

describe('TcpLink', () => {
  it('drops a late answer and hands the next request its own answer', async () => {
    const link = await TcpLink.connect('127.0.0.1', await peer([150, 100]), 1000);
    await expect(link.request(1, read, 50)).rejects.toBeInstanceOf(RequestTimeout);
    // Unit 1's late answer (t=150 ms) arrives while unit 2's request (answered at t=210 ms) waits.
    await new Promise((r) => setTimeout(r, 60));
    const answer = link.request(2, read, 500);
    expect([...(await answer)]).toEqual([0x03, 0x02, 0x00, 2]);
    await link.close();
  });

  it('ends the link when the peer is not speaking Modbus', async () => {
    const link = await TcpLink.connect('127.0.0.1', await peer([], Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')), 1000);
    await expect(link.request(1, read, 500)).rejects.toBeInstanceOf(FramingError);
    expect(link.usable).toBe(false);
    await expect(link.request(1, read, 500)).rejects.toBeInstanceOf(LinkClosed);
    await link.close();
  });

  it('fails to connect to a closed port at once', async () => {
    const port = await peer([]);
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    await expect(TcpLink.connect('127.0.0.1', port, 1000)).rejects.toBeInstanceOf(LinkClosed);
  });
});
