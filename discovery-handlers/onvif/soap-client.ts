// A bounded SOAP 1.2 client for camera services: one POST, a hard deadline covering connect,
// headers and body (so a peer that accepts and never answers costs one timer), a cap on the
// response size, the bounded XML reader, SOAP faults turned into typed errors, and
// WS-UsernameToken digest auth. It never puts a password in an error or a log line. An https
// camera's certificate is verified when the Configuration asks for it (verifyCertificates),
// against the system's CAs plus any the Configuration supplies; a failure is kind "tls".
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { childPath, parseXml, textOf, XmlRejected, type XmlElement } from './bounded-xml.ts';
import type { Credential } from './credential-store.ts';

export type SoapFailureKind = 'timeout' | 'too-large' | 'malformed' | 'fault' | 'unauthorized' | 'http' | 'network' | 'tls' | 'aborted';

export class SoapFailure extends Error {
  constructor(
    readonly kind: SoapFailureKind,
    readonly url: string,
    detail: string,
  ) {
    super(`${kind} from ${url}: ${detail}`);
    this.name = 'SoapFailure';
  }
}

export interface SoapCallOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  credential?: Credential | undefined;
  /** Camera clock minus ours, so the token's Created falls inside the camera's window. */
  clockOffsetMs?: number;
  signal?: AbortSignal;
  /** Verify an https camera's certificate (and its name) instead of accepting any. */
  verifyCertificates?: boolean;
  /** Extra trusted CAs (PEM), for cameras whose certificates a private CA signed. */
  caCertificates?: string;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The WS-Security header: PasswordDigest = Base64(SHA-1(nonce + created + password)). */
export function usernameTokenHeader(credential: Credential, now: Date): string {
  const nonce = randomBytes(16);
  const created = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const digest = createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(credential.password ?? '', 'utf8')]))
    .digest('base64');
  return (
    '<wsse:Security s:mustUnderstand="1"' +
    ' xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"' +
    ' xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">' +
    '<wsse:UsernameToken>' +
    `<wsse:Username>${escapeXml(credential.username)}</wsse:Username>` +
    '<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">' +
    `${digest}</wsse:Password>` +
    '<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary">' +
    `${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created>` +
    '</wsse:UsernameToken></wsse:Security>'
  );
}

export function envelope(bodyXml: string, securityHeader = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"' +
    ' xmlns:tds="http://www.onvif.org/ver10/device/wsdl"' +
    ' xmlns:trt="http://www.onvif.org/ver10/media/wsdl"' +
    ' xmlns:tt="http://www.onvif.org/ver10/schema">' +
    `<s:Header>${securityHeader}</s:Header>` +
    `<s:Body>${bodyXml}</s:Body></s:Envelope>`
  );
}

/** Reads a SOAP 1.2 (or 1.1) Fault into "code/subcode: reason". */
function describeFault(fault: XmlElement): { text: string; unauthorized: boolean } {
  const code = textOf(childPath(fault, 'Code', 'Value')) ?? textOf(childPath(fault, 'faultcode')) ?? '?';
  const subcode = textOf(childPath(fault, 'Code', 'Subcode', 'Value'));
  const reason = textOf(childPath(fault, 'Reason', 'Text')) ?? textOf(childPath(fault, 'faultstring')) ?? '';
  const codes = [code, subcode].filter((c): c is string => c !== undefined);
  const unauthorized = codes.some((c) => /NotAuthorized|FailedAuthentication|InvalidSecurity/i.test(c));
  return { text: `${codes.join('/')}${reason ? `: ${reason.slice(0, 200)}` : ''}`, unauthorized };
}

/** Posts one SOAP request and returns the first element inside the response Body. */
export async function soapCall(url: string, bodyXml: string, options: SoapCallOptions): Promise<XmlElement> {
  const security = options.credential
    ? usernameTokenHeader(options.credential, new Date(Date.now() + (options.clockOffsetMs ?? 0)))
    : '';
  const payload = Buffer.from(envelope(bodyXml, security), 'utf8');
  const { status, body } = await post(url, payload, options);

  let root: XmlElement;
  try {
    root = parseXml(body, { maxBytes: options.maxResponseBytes, maxDepth: 48, maxElements: 20_000 });
  } catch (error) {
    if (error instanceof XmlRejected) {
      const tooLarge = /exceeds/.test(error.message);
      throw new SoapFailure(tooLarge ? 'too-large' : 'malformed', url, `${error.message} (HTTP ${status})`);
    }
    throw error;
  }
  const first = childPath(root, 'Body')?.children[0];
  if (root.name !== 'Envelope' || !first) throw new SoapFailure('malformed', url, `not a SOAP envelope (HTTP ${status})`);
  if (first.name === 'Fault') {
    const fault = describeFault(first);
    throw new SoapFailure(fault.unauthorized ? 'unauthorized' : 'fault', url, fault.text);
  }
  if (status === 401) throw new SoapFailure('unauthorized', url, 'HTTP 401');
  if (status < 200 || status >= 300) throw new SoapFailure('http', url, `HTTP ${status}`);
  return first;
}

function post(url: string, payload: Buffer, options: SoapCallOptions): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new SoapFailure('network', url, 'not a valid URL'));
      return;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      reject(new SoapFailure('network', url, `unsupported scheme ${parsed.protocol}`));
      return;
    }
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (error: SoapFailure | undefined, value?: { status: number; body: Buffer }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else if (value) {
        resolve(value);
      }
    };
    const onAbort = (): void => finish(new SoapFailure('aborted', url, 'discovery stopped'));
    const deadline = setTimeout(
      () => finish(new SoapFailure('timeout', url, `no complete answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const req = send(
      parsed,
      {
        method: 'POST',
        headers: { 'content-type': 'application/soap+xml; charset=utf-8', 'content-length': payload.length },
        // Cameras commonly use self-signed certificates, so verification is the Configuration's
        // choice (verifyCertificates); off, the device is identified by WS-Discovery alone.
        rejectUnauthorized: options.verifyCertificates === true,
        // Giving `ca` replaces Node's bundled CAs, so a private CA is added to them.
        ...(options.verifyCertificates && options.caCertificates ? { ca: [...rootCertificates, options.caCertificates] } : {}),
        agent: false,
      },
      (res: IncomingMessage) => {
        const declared = Number(res.headers['content-length'] ?? '0');
        if (declared > options.maxResponseBytes) {
          finish(new SoapFailure('too-large', url, `response of ${declared} bytes exceeds ${options.maxResponseBytes}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxResponseBytes) {
            finish(new SoapFailure('too-large', url, `response exceeds ${options.maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', (error) => finish(new SoapFailure('network', url, error.message)));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      const tls = parsed.protocol === 'https:' && /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS/.test(error.code ?? '');
      finish(new SoapFailure(tls ? 'tls' : 'network', url, tls ? `certificate not accepted: ${error.message}` : error.message));
    });
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.end(payload);
  });
}
