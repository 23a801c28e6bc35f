// Certificates for a loopback control plane, made with the openssl CLI: one CA, the
// apiserver's serving certificate, an admin client certificate (group system:masters) and
// the service-account signing key. Files are reused when they already exist.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

export function pkiPaths(dir: string): Pki {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
}

/**
 * node-opcua-pki, once loaded, sets OPENSSL_CONF process-wide, sometimes to a path that does not
 * exist (even the string "undefined"); openssl then refuses every request. Test files share a
 * process, so our openssl calls get a clean environment.
 */
export function opensslEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.OPENSSL_CONF !== undefined && !existsSync(env.OPENSSL_CONF)) delete env.OPENSSL_CONF;
  return env;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { env: opensslEnv() });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr || String(err)}`);
  }
}

async function signedCert(pki: Pki, name: string, subject: string, extensions: string): Promise<void> {
  const key = join(pki.dir, `${name}.key`);
  const csr = join(pki.dir, `${name}.csr`);
  const ext = join(pki.dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  await openssl(['genrsa', '-out', key, '2048']);
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  await openssl([
    'x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial',
    '-days', '3650', '-sha256', '-extfile', ext, '-out', join(pki.dir, `${name}.crt`),
  ]);
}

export async function ensurePki(dir: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true });
  const pki = pkiPaths(dir);
  if (!existsSync(pki.caCert)) {
    await openssl(['genrsa', '-out', pki.caKey, '2048']);
    await openssl([
      'req', '-x509', '-new', '-key', pki.caKey, '-subj', '/CN=akri-ts-test-ca', '-days', '3650',
      '-sha256', '-out', pki.caCert,
    ]);
  }
  if (!existsSync(pki.serverCert)) {
    await signedCert(
      pki,
      'apiserver',
      '/CN=kube-apiserver',
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
        '',
      ].join('\n'),
    );
  }
  if (!existsSync(pki.adminCert)) {
    await signedCert(
      pki,
      'admin',
      '/O=system:masters/CN=akri-ts-admin',
      ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth', ''].join('\n'),
    );
  }
  if (!existsSync(pki.serviceAccountKey)) {
    await openssl(['genrsa', '-out', pki.serviceAccountKey, '2048']);
    await openssl(['rsa', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  }
  return pki;
}
