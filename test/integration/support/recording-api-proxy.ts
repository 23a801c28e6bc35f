// A plain-HTTP door to the real API server that writes down every request line passing
// through it, so a test can say what an agent asked the API server for (e.g. that it never read
// a Secret). It forwards each request, watches included, with the given credentials.
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestOptions } from 'node:https';
import type { KubeEndpoint } from '../../../lib/kube/raw-request.ts';

export interface RecordingProxy {
  /** Give this to the component under test instead of the real kubeconfig. */
  endpoint: KubeEndpoint;
  /** "METHOD /path?query" of every request so far. */
  requests: string[];
  close(): Promise<void>;
}

export async function recordingApiProxy(upstream: KubeEndpoint): Promise<RecordingProxy> {
  const server = upstream.getCurrentCluster()?.server;
  if (!server) throw new Error('the upstream kubeconfig names no current cluster');
  const requests: string[] = [];
  const proxy: Server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const options: RequestOptions & { rejectUnauthorized?: boolean } = { method: req.method, headers: { ...req.headers, host: new URL(server).host } };
    void upstream.applyToHTTPSOptions(options).then(() => {
      const out = request(new URL(req.url ?? '/', server), options, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', (err) => res.destroy(err));
      res.on('close', () => out.destroy());
      req.pipe(out);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    endpoint: { getCurrentCluster: () => ({ server: url }), applyToHTTPSOptions: async () => undefined },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
