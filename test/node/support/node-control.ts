// The test workers cannot reach the RealNode object, which lives in vitest's main process (the
// global setup). This loopback HTTP endpoint lets a test ask that process to restart the kubelet.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NodeControlActions {
  restartKubelet(): Promise<{ pid: number | undefined }>;
}

export async function serveNodeControl(actions: NodeControlActions): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/kubelet/restart') {
      actions.restartKubelet().then(
        (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
    res.writeHead(404).end(`no such action: ${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Asks the global setup to stop and start the kubelet; resolves with the new kubelet's pid. */
export function requestKubeletRestart(controlUrl: string): Promise<{ pid: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${controlUrl}/kubelet/restart`, { method: 'POST', timeout: 120_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(JSON.parse(body) as { pid: number | undefined }) : reject(new Error(`kubelet restart failed: ${body}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
