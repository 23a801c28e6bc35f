// kube-proxy (v1.34.4, built by tools/kube-binaries from the same pinned module as the kubelet)
// as a child process of the test node, configured by kube-proxy-config.ts. Ready means what pods
// need: a connection to the `kubernetes` Service's ClusterIP reaches the API server. Stopping (and
// sweeping up after a killed run) deletes kube-proxy's nftables tables.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from '../control-plane/binaries.ts';
import { ManagedProcess } from '../../../lib/process/managed-process.ts';
import { KUBE_PROXY_NFT_TABLES, renderKubeProxyConfig, type KubeProxyConfigOptions } from './kube-proxy-config.ts';

const run = promisify(execFile);

export interface KubeProxyOptions extends KubeProxyConfigOptions {
  dir: string;
  binary: string;
  logFile: string;
}

export interface ClusterIpProbe {
  clusterIp: string;
  /** TLS client credentials the API server accepts (the admin's). */
  ca: string;
  cert: string;
  key: string;
}

/** Deletes kube-proxy's nftables tables; returns the ones that existed. */
export async function removeKubeProxyRules(): Promise<string[]> {
  const nft = findOnPath('nft', 'Install it with: apt-get install nftables');
  const removed: string[] = [];
  for (const [family, table] of KUBE_PROXY_NFT_TABLES) {
    try {
      await run(nft, ['delete', 'table', family, table]);
      removed.push(`${family} ${table}`);
    } catch {
      // not there
    }
  }
  return removed;
}

/** GET https://<clusterIp>/readyz from the host: through kube-proxy's DNAT, or not at all. */
function readyThroughClusterIp(probe: ClusterIpProbe): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: probe.clusterIp,
        port: 443,
        path: '/readyz',
        ca: readFileSync(probe.ca),
        cert: readFileSync(probe.cert),
        key: readFileSync(probe.key),
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export class KubeProxy {
  private readonly process: ManagedProcess;

  constructor(private readonly options: KubeProxyOptions) {
    const configFile = join(options.dir, 'kube-proxy.yaml');
    this.process = new ManagedProcess({
      name: 'kube-proxy',
      command: options.binary,
      args: [`--config=${configFile}`, '--v=2'],
      logFile: options.logFile,
    });
  }

  get running(): boolean {
    return this.process.running;
  }

  logTail(lines = 40): string {
    return this.process.logTail(lines);
  }

  async start(probe: ClusterIpProbe, timeoutMs = 60_000): Promise<void> {
    findOnPath('nft', 'kube-proxy\'s nftables mode runs it; install it with: apt-get install nftables');
    writeFileSync(join(this.options.dir, 'kube-proxy.yaml'), renderKubeProxyConfig(this.options));
    this.process.start();
    await this.process.waitUntil(() => readyThroughClusterIp(probe), timeoutMs, `reachable at the kubernetes Service (${probe.clusterIp}:443) from the host`);
  }

  async stop(): Promise<string[]> {
    await this.process.stop(10_000);
    return removeKubeProxyRules();
  }
}
