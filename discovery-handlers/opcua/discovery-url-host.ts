// Akri's fix-up for discovery URLs whose host does not resolve (a server that registered with
// an LDS under a bare hostname): use the host of the URL we asked instead, keeping the port
// and path of the server's own URL.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

async function resolves(host: string, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      lookup(host).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function reachableDiscoveryUrl(discoveryUrl: string, askedUrl: string, timeoutMs = 1000): Promise<string> {
  let server: URL;
  let asked: URL;
  try {
    server = new URL(discoveryUrl);
    asked = new URL(askedUrl);
  } catch {
    return discoveryUrl;
  }
  // An address needs no lookup, and a flood of listed servers must not become a flood of
  // lookups (they share libuv's four threads with file access).
  if (isIP(server.hostname.replace(/^\[(.*)\]$/, '$1')) !== 0) return discoveryUrl;
  if (await resolves(server.hostname, timeoutMs)) return discoveryUrl;
  // Keep the server's own spelling (e.g. no trailing slash): the URL is the device id.
  return discoveryUrl.replace(`//${server.host}`, `//${asked.hostname}${server.port ? `:${server.port}` : ''}`);
}
