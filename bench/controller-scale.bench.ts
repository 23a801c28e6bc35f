// How the controller copes with a large site: N Instances present, then the controller starts
// (in a child process, so its memory is its own) and creates one broker pod per Instance.
// --as-image: the controller compiled, with the image's node flags (--node-flags="..." for others).
// npm run bench -- controller-scale [--instances 1000] [--nodes 3] [--rest-seconds 60] [--as-image] --json
//   secondsToAllBrokers    controller process spawned → N broker pods exist (includes its startup)
//   peakRssMiB             the controller process's peak resident memory (VmHWM)
//   apiRequestsPerInstance every request the controller sent (lists, watches, writes, Events,
//                          Lease) until at rest, divided by N
//   writesPerMinuteAtRest  pod/job/service/instance writes and Events per minute once settled,
//                          over a window that includes resyncs (Lease renewals reported apart)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlPlane } from '../cli/start/control-plane/control-plane.ts';
import { freePort } from '../lib/net/free-port.ts';
import { kubeRequest } from '../lib/kube/raw-request.ts';
import { log, type Benchmark } from './benchmark.ts';
import { postConfiguration, procStatusMiB, startBenchCluster } from './bench-cluster.ts';
import { akriTsCommand, imageNodeFlags } from './compiled.ts';
import { forEachBounded } from '../lib/async/bounded.ts';
import { sleep } from '../lib/time/sleep.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'apply']);


interface RequestCounts {
  total: number;
  writes: number;
  lease: number;
}

async function scrape(port: number): Promise<RequestCounts> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts: RequestCounts = { total: 0, writes: 0, lease: 0 };
  for (const m of text.matchAll(/^akri_controller_api_requests_total\{verb="(\w+)",resource="(\w+)"\} (\d+)/gm)) {
    const [, verb = '', resource = '', n = '0'] = m;
    counts.total += Number(n);
    if (resource === 'leases') counts.lease += verb === 'update' ? Number(n) : 0;
    else if (WRITE_VERBS.has(verb)) counts.writes += Number(n);
  }
  return counts;
}


const bench: Benchmark = async (args) => {
  const instances = args.number('instances', 1000);
  const nodeCount = args.number('nodes', 3);
  const restSeconds = args.number('rest-seconds', 60);
  const akriTs = akriTsCommand(args.flags, imageNodeFlags());
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-ctrl-'));
  // Only etcd and the API server: the figure is the controller's, not the scheduler's.
  const plane = new ControlPlane({ dir, scheduler: false, controllerManager: false });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const { ep, kc, ns } = await startBenchCluster(plane);
    await kubeRequest(kc, { method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts`, body: { metadata: { name: 'default' } } });
    const nodes = Array.from({ length: nodeCount }, (_, i) => `edge-${i}`);
    for (const name of nodes) {
      await kubeRequest(kc, { method: 'POST', path: '/api/v1/nodes', body: { metadata: { name } } });
      await kubeRequest(kc, {
        method: 'PATCH',
        path: `/api/v1/nodes/${name}/status`,
        contentType: 'application/merge-patch+json',
        body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString() }] } },
      });
    }
    await postConfiguration(kc, ns, 'cam', {
      discoveryHandler: { name: 'debugEcho' },
      brokerSpec: { brokerPodSpec: { containers: [{ name: 'broker', image: 'busybox', resources: { limits: { '{{PLACEHOLDER}}': '1' } } }] } },
    });
    const names = Array.from({ length: instances }, (_, i) => `cam-${i.toString(16).padStart(6, '0')}`);
    const createStart = performance.now();
    await forEachBounded(names, 16, async (name) => {
      const i = Number.parseInt(name.slice(4), 16);
      return kubeRequest(kc, {
        method: 'POST',
        path: `/apis/akri.sh/v0/namespaces/${ns}/instances`,
        body: {
          apiVersion: 'akri.sh/v0',
          kind: 'Instance',
          metadata: { name },
          spec: { configurationName: 'cam', cdiName: `akri.sh/cam=${name.slice(4)}`, capacity: 1, shared: false, nodes: [nodes[i % nodeCount]] },
        },
      });
    });
    log(`${instances} Instances created in ${((performance.now() - createStart) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const started = performance.now();
    child = spawn(
      process.execPath,
      akriTs.argv('controller', '--kubeconfig', ep.kubeconfig, '--identity', 'bench', '--namespace', ns, '--lease-namespace', ns, '--metrics-port', String(port), '--resync', '20', '--log-level', 'warn'),
      { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const pid = child.pid ?? 0;
    let pods = 0;
    for (;;) {
      const list = await kubeRequest<{ items: unknown[] }>(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { labelSelector: 'akri.sh/instance' } });
      pods = list.items.length;
      if (pods >= instances) break;
      if (child.exitCode !== null) throw new Error(`the controller exited with code ${child.exitCode}`);
      if (performance.now() - started > 600_000) throw new Error(`only ${pods} of ${instances} brokers after 600 s`);
      await sleep(250);
    }
    const secondsToAllBrokers = (performance.now() - started) / 1000;
    log(`${pods} broker pods after ${secondsToAllBrokers.toFixed(1)} s`);

    // Let the Events and the last reconciles drain, then watch it at rest.
    await sleep(5000);
    const settled = await scrape(port);
    await sleep(restSeconds * 1000);
    const rest = await scrape(port);
    const peakRssMiB = procStatusMiB(pid, 'VmHWM');
    log(`at rest for ${restSeconds} s: ${rest.writes - settled.writes} writes, ${rest.lease - settled.lease} Lease renewals; RSS now ${procStatusMiB(pid, 'VmRSS').toFixed(0)} MiB`);
    return {
      controllerRunAs: akriTs.runAs,
      instances,
      secondsToAllBrokers: Number(secondsToAllBrokers.toFixed(2)),
      peakRssMiB: Math.round(peakRssMiB),
      apiRequestsPerInstance: Number((settled.total / instances).toFixed(2)),
      writesPerMinuteAtRest: Number((((rest.writes - settled.writes) * 60) / restSeconds).toFixed(2)),
      leaseRenewalsPerMinute: Number((((rest.lease - settled.lease) * 60) / restSeconds).toFixed(1)),
    };
  } finally {
    child?.kill('SIGKILL');
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;
