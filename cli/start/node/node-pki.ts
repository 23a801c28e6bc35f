// The kubelet's certificates, signed by the test control plane's CA (read from its pki dir, so
// control-plane files stay untouched): a client certificate that makes the kubelet the node
// identity `system:node:<name>` in group `system:nodes` (what the Node authorizer expects),
// and a serving certificate for the node's IP, which the apiserver checks on `kubectl logs`.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { opensslEnv } from '../control-plane/pki.ts';

const run = promisify(execFile);

export interface NodePki {
  caCert: string;
  clientCert: string;
  clientKey: string;
  servingCert: string;
  servingKey: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { env: opensslEnv() });
  } catch (err) {
    throw new Error(`openssl ${args[0]} failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
}

async function sign(dir: string, ca: { cert: string; key: string }, name: string, subject: string, ext: string[]): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  const cert = join(dir, `${name}.crt`);
  writeFileSync(extFile, [...ext, ''].join('\n'));
  await openssl(['genrsa', '-out', key, '2048']);
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-CAserial', join(dir, 'ca.srl'), '-days', '365', '-sha256', '-extfile', extFile, '-out', cert]);
  return { cert, key };
}

export async function makeNodePki(dir: string, nodeName: string, nodeIp: string, ca: { cert: string; key: string }): Promise<NodePki> {
  mkdirSync(dir, { recursive: true });
  const usage = ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment'];
  const client = await sign(dir, ca, 'kubelet-client', `/O=system:nodes/CN=system:node:${nodeName}`, [...usage, 'extendedKeyUsage=clientAuth']);
  const serving = await sign(dir, ca, 'kubelet-serving', `/CN=${nodeName}`, [
    ...usage,
    'extendedKeyUsage=serverAuth',
    `subjectAltName=IP:${nodeIp},IP:127.0.0.1,DNS:${nodeName},DNS:localhost`,
  ]);
  return { caCert: ca.cert, clientCert: client.cert, clientKey: client.key, servingCert: serving.cert, servingKey: serving.key };
}
