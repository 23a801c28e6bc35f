// The discovery client's connection against peers that misbehave at the transport level, each a
// TCP server on loopback that speaks just enough OPC UA (node-opcua's encoders build the channel
// answer): every failure is an OpcuaCallFailed of kind "error" that says what went wrong, within
// the call's time, and a bounded amount is read.
import { createServer, type Server, type Socket } from 'node:net';
import { BinaryStream, encodeNodeId, makeNodeId, OpenSecureChannelResponse } from 'node-opcua';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ANSWER_BYTES, OpcuaCallFailed, OpcuaDiscoveryClient } from './opcua-discovery-client.ts';
import { SECURITY_POLICY_NONE, TYPE_ID } from './ua-discovery-messages.ts';
import { UaWriter } from './ua-binary.ts';

type Behaviour = (socket: Socket, message: { type: string; body: Buffer }) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server that frames what the client sends and lets `behave` answer each message. */
async function peer(behave: Behaviour): Promise<string> {
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 8 && pending.length >= pending.readUInt32LE(4)) {
        const size = pending.readUInt32LE(4);
        behave(socket, { type: pending.toString('latin1', 0, 3), body: pending.subarray(8, size) });
        pending = pending.subarray(size);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `opc.tcp://127.0.0.1:${address.port}`;
}

function chunk(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(type, 0, 'latin1');
  header.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([header, body]);
}

const acknowledge = (): Buffer => chunk('ACKF', new UaWriter().uint32(0).uint32(65_536).uint32(65_536).uint32(0).uint32(0).toBuffer());

/** The answer to OpenSecureChannel: channel 5, token 6, security None. */
function channelOpened(): Buffer {
  const response = new OpenSecureChannelResponse({ serverProtocolVersion: 0, securityToken: { channelId: 5, tokenId: 6, createdAt: new Date(), revisedLifetime: 60_000 } });
  const stream = new BinaryStream(response.binaryStoreSize() + 8);
  encodeNodeId(makeNodeId(TYPE_ID.OpenSecureChannelResponse), stream);
  response.encode(stream);
  const body = new UaWriter().uint32(5).string(SECURITY_POLICY_NONE).nullByteString().nullByteString().uint32(1).uint32(1).bytes(Buffer.from(stream.buffer.subarray(0, stream.length)));
  return chunk('OPNF', body.toBuffer());
}

/** A MSG chunk's headers (channel, token, sequence, request 1) before `payload`. */
const message = (chunkType: 'C' | 'F' | 'A', payload: Buffer): Buffer => chunk(`MSG${chunkType}`, Buffer.concat([new UaWriter().uint32(5).uint32(6).uint32(2).uint32(1).toBuffer(), payload]));

/** Answers Hello and OpenSecureChannel properly, then lets `onRequest` answer the service request. */
const upToTheRequest = (onRequest: (socket: Socket) => void): Behaviour => (socket, m) => {
  if (m.type === 'HEL') socket.write(acknowledge());
  else if (m.type === 'OPN') socket.write(channelOpened());
  else if (m.type === 'MSG') onRequest(socket);
};

async function failure(url: string, timeoutMs = 5000): Promise<{ error: OpcuaCallFailed; ms: number }> {
  const started = performance.now();
  const error = await new OpcuaDiscoveryClient().getEndpointCount(url, timeoutMs).then(
    () => {
      throw new Error('the call succeeded');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpcuaCallFailed);
  return { error: error as OpcuaCallFailed, ms: performance.now() - started };
}

describe('the OPC UA discovery client against misbehaving peers', () => {
  it('an Error message in answer to Hello names its status and reason', async () => {
    const url = await peer((socket, m) => {
      if (m.type === 'HEL') socket.end(chunk('ERRF', new UaWriter().uint32(0x80830000).string('no such endpoint here').toBuffer()));
    });
    const { error } = await failure(url);
    expect(error.kind).toBe('error');
    expect(error.message).toMatch(/refused: status 0x80830000 no such endpoint here/);
  });

  it('a chunk larger than the buffer we offered ends the call without reading it', async () => {
    const url = await peer((socket, m) => {
      if (m.type !== 'HEL') return;
      const header = Buffer.alloc(8);
      header.write('ACKF', 0, 'latin1');
      header.writeUInt32LE(50_000_000, 4);
      socket.write(header);
    });
    const { error, ms } = await failure(url);
    expect(error.message).toMatch(/a chunk of 50000000 bytes \(we offered 65536\)/);
    expect(ms).toBeLessThan(2000);
  });

  it(`an answer in intermediate chunks beyond ${MAX_ANSWER_BYTES} bytes in all is refused once it passes the limit`, async () => {
    let sent = 0;
    const url = await peer(
      upToTheRequest((socket) => {
        const piece = message('C', Buffer.alloc(60_000));
        const more = (): void => {
          // Keep sending until the client hangs up: it must stop reading at the limit.
          while (!socket.destroyed && sent < 3 * MAX_ANSWER_BYTES) {
            sent += piece.length;
            if (!socket.write(piece)) return void socket.once('drain', more);
          }
        };
        more();
      }),
    );
    const { error } = await failure(url, 20_000);
    expect(error.message).toMatch(/the answer is larger than 4194304 bytes/);
    expect(sent).toBeLessThan(3 * MAX_ANSWER_BYTES);
  });

  it('an abort chunk in place of the answer names its status and reason', async () => {
    const url = await peer(upToTheRequest((socket) => socket.write(message('A', new UaWriter().uint32(0x80080000).string('too busy').toBuffer()))));
    const { error } = await failure(url);
    expect(error.message).toMatch(/aborted the answer: status 0x80080000 too busy/);
  });

  it('a peer that hangs up after the channel opens is an error, not a wait for the timeout', async () => {
    const url = await peer(upToTheRequest((socket) => socket.destroy()));
    const { error, ms } = await failure(url, 10_000);
    expect(error.message).toMatch(/closed the connection before answering/);
    expect(ms).toBeLessThan(5000);
  });

  it('a peer that opens a channel with another security policy is refused', async () => {
    const url = await peer((socket, m) => {
      if (m.type === 'HEL') socket.write(acknowledge());
      else if (m.type === 'OPN') socket.write(chunk('OPNF', new UaWriter().uint32(5).string('http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256').nullByteString().nullByteString().toBuffer()));
    });
    const { error } = await failure(url);
    expect(error.message).toMatch(/opened a channel with policy http:\/\/opcfoundation.org\/UA\/SecurityPolicy#Basic256Sha256/);
  });

  it('a peer that answers Hello and then nothing costs the timeout, then the connection is closed', async () => {
    let closed = false;
    const url = await peer((socket, m) => {
      socket.once('close', () => (closed = true));
      if (m.type === 'HEL') socket.write(acknowledge());
    });
    const { error, ms } = await failure(url, 500);
    expect(error.kind).toBe('timeout');
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(3000);
    await expect.poll(() => closed, { timeout: 5000 }).toBe(true);
  });

  it('an abort of the round ends a call at once', async () => {
    const url = await peer((socket, m) => {
      if (m.type === 'HEL') socket.write(acknowledge());
    });
    const round = new AbortController();
    const started = performance.now();
    const call = new OpcuaDiscoveryClient().findServers(url, 30_000, round.signal);
    setTimeout(() => round.abort(), 200);
    await expect(call).rejects.toMatchObject({ kind: 'aborted' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
