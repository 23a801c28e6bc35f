// How long a real device takes to become an Instance, and to stop being one, through the
// agent and a real control plane: `npm run bench -- discovery-latency --handler <name> --json`.
// Each handler brings a scenario (bench/discovery-latency/<handler>.ts) that makes one device
// appear and vanish for real. Flags: --grace <s> (Configuration instanceGracePeriodSeconds;
// default: the agent's default), --interval <s> (the handler's poll interval where it has one).
// Last line: {handler, appearToInstanceMs, vanishToGoneMs, graceSeconds, intervalSeconds}.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { Agent, DEFAULT_GRACE_PERIOD_SECONDS } from '../agent/agent.ts';
import { installCrds } from '../lib/kube/install-crds.ts';
import { loadKubeConfig } from '../lib/kube/kube-config.ts';
import { kubeRequest } from '../lib/kube/raw-request.ts';
import { Logger } from '../lib/observability/logger.ts';
import { ControlPlane } from '../cli/start/control-plane/control-plane.ts';
import { log, type Benchmark } from './benchmark.ts';
import type { ScenarioFactory } from './discovery-latency/scenario.ts';
import { postConfiguration } from './bench-cluster.ts';

const here = dirname(fileURLToPath(import.meta.url));

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const bench: Benchmark = async (args) => {
  const available = readdirSync(join(here, 'discovery-latency'))
    .filter((f) => f.endsWith('.ts') && f !== 'scenario.ts')
    .map((f) => f.replace(/\.ts$/, ''));
  const handler = args.string('handler', '');
  if (!available.includes(handler)) throw new Error(`--handler must be one of: ${available.join(', ')}`);
  const factory = ((await import(`./discovery-latency/${handler}.ts`)) as { default: ScenarioFactory }).default;
  const scenario = factory(args);
  const graceSeconds = args.number('grace', DEFAULT_GRACE_PERIOD_SECONDS);

  const workDir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-latency-'));
  const handlersDir = join(workDir, 'handlers');
  mkdirSync(handlersDir);
  const plane = new ControlPlane({ dir: join(workDir, 'cluster'), scheduler: false, controllerManager: false });
  let agent: Agent | undefined;
  try {
    const ep = await plane.start();
    const kc = loadKubeConfig(ep.kubeconfig);
    await installCrds(kc);
    await scenario.setup({ handlersDir, workDir });
    agent = new Agent({
      nodeName: 'bench-node',
      handlersDir,
      kubeConfig: kc,
      logger: new Logger({ component: 'agent' }, 'warn'),
      registry: new Registry(),
      embeddedHandlers: scenario.embeddedHandler ? [await scenario.embeddedHandler()] : [],
      defaultGracePeriodSeconds: graceSeconds,
    });
    await agent.start();
    const ns = 'default';
    await postConfiguration(kc, ns, 'latency', { ...scenario.configuration(), instanceGracePeriodSeconds: graceSeconds });
    const instances = async () =>
      (await kubeRequest<{ items: unknown[] }>(kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${ns}/instances` })).items.length;
    // Let discovery settle with the device absent, so the measurement starts from a steady state.
    await new Promise((r) => setTimeout(r, scenario.settleMs ?? 2000));
    if ((await instances()) !== 0) throw new Error('an Instance exists before the device was brought up');

    log(`${scenario.handler}: bringing the device up`);
    const upAt = performance.now();
    await scenario.deviceUp();
    await until('the Instance to appear', async () => (await instances()) > 0, 120_000);
    const appearToInstanceMs = performance.now() - upAt;
    log(`${scenario.handler}: Instance present after ${appearToInstanceMs.toFixed(0)} ms; taking the device away`);

    const downAt = performance.now();
    await scenario.deviceDown();
    await until('the Instance to go', async () => (await instances()) === 0, (graceSeconds + 120) * 1000);
    const vanishToGoneMs = performance.now() - downAt;
    log(`${scenario.handler}: Instance gone after ${vanishToGoneMs.toFixed(0)} ms`);
    const extra = (await scenario.extraFigures?.()) ?? {};
    return {
      ...extra,
      handler: scenario.handler,
      appearToInstanceMs: Math.round(appearToInstanceMs),
      vanishToGoneMs: Math.round(vanishToGoneMs),
      graceSeconds,
      intervalSeconds: scenario.intervalSeconds,
    };
  } finally {
    await agent?.stop();
    await scenario.teardown();
    await plane.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
};
export default bench;
