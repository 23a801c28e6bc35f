// One agent (its own process, debugEcho embedded) against a real control plane, discovering
// N devices: how long until all N Instances exist, the agent's peak RSS, how many API requests
// it made per device, and how many writes per minute it makes once everything is at rest.
// --as-image: the agent compiled, with the image's node flags (--node-flags="..." for others).
// npm run bench -- agent-scale [--devices 1000] [--rest-seconds 30] [--as-image] --json
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

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRITE_VERBS = ['APPLY', 'POST', 'PUT', 'PATCH', 'DELETE'];


async function requestCounts(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^akri_agent_api_requests_total\{verb="(\w+)"\} (\d+)/gm)) counts[m[1] ?? ''] = Number(m[2]);
  return counts;
}

const sum = (c: Record<string, number>, verbs?: string[]): number =>
  Object.entries(c).reduce((s, [k, v]) => (verbs && !verbs.includes(k) ? s : s + v), 0);

const bench: Benchmark = async (args) => {
  const devices = args.number('devices', 1000);
  const restSeconds = args.number('rest-seconds', 30);
  const akriTs = akriTsCommand(args.flags, imageNodeFlags());
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-agent-'));
  const plane = new ControlPlane({ dir, scheduler: false, controllerManager: false });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const { ep, kc, ns } = await startBenchCluster(plane);
    const descriptions = Array.from({ length: devices }, (_, i) => `device-${i}`);
    await postConfiguration(kc, ns, 'scale', { discoveryHandler: { name: 'debugEcho', discoveryDetails: `descriptions: ${JSON.stringify(descriptions)}` }, capacity: 2 });
    log(`control plane up; starting the agent for ${devices} devices`);

    const metricsPort = await freePort();
    const handlersDir = join(dir, 'handlers');
    const started = performance.now();
    child = spawn(
      process.execPath,
      akriTs.argv('agent', '--node', 'bench-node', '--handlers-dir', handlersDir, '--kubelet-dir', 'none', '--kubeconfig', ep.kubeconfig,
        '--metrics-port', String(metricsPort), '--namespace', ns, '--embed', 'debugEcho'),
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AKRI_LOG_LEVEL: 'warn' } },
    );
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    const pid = child.pid ?? 0;

    let present = 0;
    while (present < devices) {
      if (performance.now() - started > 300_000) throw new Error(`only ${present} of ${devices} Instances after 300 s`);
      await new Promise((r) => setTimeout(r, 250));
      const list = await kubeRequest<{ items: unknown[] }>(kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${ns}/instances` });
      present = list.items.length;
    }
    const secondsToAllInstances = (performance.now() - started) / 1000;
    log(`all ${devices} Instances after ${secondsToAllInstances.toFixed(1)} s; settling`);
    await new Promise((r) => setTimeout(r, 5000));
    const settled = await requestCounts(metricsPort);
    log(`requests so far: ${JSON.stringify(settled)}; measuring ${restSeconds} s at rest`);
    await new Promise((r) => setTimeout(r, restSeconds * 1000));
    const rest = await requestCounts(metricsPort);
    const writesAtRest = sum(rest, WRITE_VERBS) - sum(settled, WRITE_VERBS);
    return {
      agentRunAs: akriTs.runAs,
      devices,
      secondsToAllInstances: Number(secondsToAllInstances.toFixed(2)),
      peakRssMiB: Math.round(procStatusMiB(pid, 'VmHWM')),
      apiRequestsPerDevice: Number((sum(settled) / devices).toFixed(2)),
      writesPerMinuteAtRest: Number(((writesAtRest * 60) / restSeconds).toFixed(2)),
    };
  } finally {
    child?.kill('SIGKILL');
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;
