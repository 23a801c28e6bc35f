// One OPC UA discovery call over opc.tcp, start to end on its own connection: Hello, an
// unsecured OpenSecureChannel (SecurityPolicy None, which Part 4 allows for the discovery
// services), one request, CloseSecureChannel, close. The answer is reassembled from its chunks
// and may be at most `maxAnswerBytes`; a chunk larger than the buffer we offered, an abort chunk,
// an Error message or anything unreadable ends the call with an error. The caller bounds the
// time (destroying the connection ends everything at once).
import { connect, type Socket } from 'node:net';
import { UaReader } from './ua-binary.ts';
import {
  hello,
  openSecureChannel,
  readAcknowledge,
  readError,
  readOpenSecureChannelResponse,
  serviceMessage,
  type Channel,
  type ServiceRequest,
} from './ua-discovery-messages.ts';

/** What we offer to receive per chunk (Part 6 requires at least 8192). */
const RECEIVE_BUFFER_SIZE = 65_536;
const HEADER_BYTES = 8;
/** A channel is used for one request; the lifetime we ask for only has to outlast it. */
const CHANNEL_LIFETIME_MS = 60_000;
/** How long a closed channel's connection may linger before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

export class UaProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UaProtocolError';
  }
}

export interface UaCallOptions {
  timeoutMs: number;
  maxAnswerBytes: number;
}

export interface UaCall {
  /** The answer's body (from the response's type id on), once it has come. */
  answer: Promise<UaReader>;
  /** Ends the call now; a pending answer rejects with `reason`. */
  destroy(reason: Error): void;
}

/** Host and port of an opc.tcp URL (port 4840 when it names none). */
export function opcTcpAddress(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UaProtocolError(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'opc.tcp:') throw new UaProtocolError(`"${url}" is not an opc.tcp URL`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new UaProtocolError(`"${url}" names no host`);
  return { host, port: parsed.port === '' ? 4840 : Number(parsed.port) };
}

/** Starts one discovery call to `url`. */
export function uaDiscoveryCall(url: string, request: ServiceRequest, options: UaCallOptions): UaCall {
  let socket: Socket | undefined;
  let settle: { resolve: (r: UaReader) => void; reject: (e: Error) => void } | undefined;
  const answer = new Promise<UaReader>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let done = false;
  const finish = (result: UaReader | Error): void => {
    if (done) return;
    done = true;
    if (result instanceof Error) {
      socket?.destroy();
      settle?.reject(result);
    } else settle?.resolve(result);
  };

  let stage: 'ACK' | 'OPN' | 'MSG' = 'ACK';
  let channel: Channel | undefined;
  let sequence = 1;
  const requestId = 1;
  const ids = () => ({ sequence: sequence++, requestId, timeoutMs: options.timeoutMs, now: Date.now() });
  const parts: Buffer[] = [];
  let answerBytes = 0;
  let pending: Buffer = Buffer.alloc(0);

  const onChunk = (type: string, chunkType: string, body: Buffer): void => {
    if (type === 'ERR') {
      const e = readError(body);
      throw new UaProtocolError(`the server refused: status 0x${e.status.toString(16).padStart(8, '0')} ${e.reason}`.trim());
    }
    if (stage === 'ACK') {
      if (type !== 'ACK') throw new UaProtocolError(`expected Acknowledge, got ${type}`);
      readAcknowledge(body);
      stage = 'OPN';
      socket?.write(openSecureChannel(ids(), CHANNEL_LIFETIME_MS));
      return;
    }
    const r = new UaReader(body);
    r.uint32('the secure channel id');
    if (chunkType === 'A') {
      if (type !== 'MSG') throw new UaProtocolError(`the server aborted ${type}`);
      // An abort chunk: the security and sequence headers, then an error.
      r.skip(12, 'the abort chunk headers');
      const e = readError(body.subarray(body.length - r.remaining));
      throw new UaProtocolError(`the server aborted the answer: status 0x${e.status.toString(16).padStart(8, '0')} ${e.reason}`.trim());
    }
    if (stage === 'OPN') {
      if (type !== 'OPN' || chunkType !== 'F') throw new UaProtocolError(`expected OpenSecureChannel's answer, got ${type}${chunkType}`);
      channel = readOpenSecureChannelResponse(r);
      stage = 'MSG';
      socket?.write(serviceMessage(channel, ids(), request));
      return;
    }
    if (type !== 'MSG') throw new UaProtocolError(`expected the ${request.service} answer, got ${type}`);
    r.uint32('the token id');
    r.uint32('the sequence number');
    const forRequest = r.uint32('the request id');
    if (forRequest !== requestId) throw new UaProtocolError(`an answer to request ${forRequest}, not ${requestId}`);
    const part = body.subarray(body.length - r.remaining);
    answerBytes += part.length;
    if (answerBytes > options.maxAnswerBytes) throw new UaProtocolError(`the answer is larger than ${options.maxAnswerBytes} bytes`);
    parts.push(part);
    if (chunkType === 'C') return;
    if (chunkType !== 'F') throw new UaProtocolError(`unknown chunk type "${chunkType}"`);
    // The answer is complete: close the channel politely, then the connection.
    if (channel) socket?.end(serviceMessage(channel, ids(), { service: 'CloseSecureChannel' }));
    // A server that keeps its side open does not keep the socket.
    setTimeout(() => socket?.destroy(), CLOSE_GRACE_MS).unref();
    finish(new UaReader(Buffer.concat(parts, answerBytes)));
  };

  const onData = (data: Buffer): void => {
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    while (!done && pending.length >= HEADER_BYTES) {
      const size = pending.readUInt32LE(4);
      if (size < HEADER_BYTES || size > RECEIVE_BUFFER_SIZE) throw new UaProtocolError(`a chunk of ${size} bytes (we offered ${RECEIVE_BUFFER_SIZE})`);
      if (pending.length < size) return;
      const type = pending.toString('latin1', 0, 3);
      const chunkType = pending.toString('latin1', 3, 4);
      const body = pending.subarray(HEADER_BYTES, size);
      pending = pending.subarray(size);
      onChunk(type, chunkType, body);
    }
  };

  try {
    const { host, port } = opcTcpAddress(url);
    socket = connect({ host, port });
    socket.setNoDelay(true);
    socket.on('connect', () =>
      socket?.write(
        hello({
          receiveBufferSize: RECEIVE_BUFFER_SIZE,
          maxMessageSize: options.maxAnswerBytes,
          maxChunkCount: Math.ceil(options.maxAnswerBytes / (RECEIVE_BUFFER_SIZE - 64)) + 1,
          endpointUrl: url,
        }),
      ),
    );
    socket.on('data', (data: Buffer) => {
      try {
        onData(data);
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new UaProtocolError('the server closed the connection before answering')));
  } catch (error) {
    finish(error instanceof Error ? error : new Error(String(error)));
  }
  return { answer, destroy: (reason) => finish(reason) };
}
