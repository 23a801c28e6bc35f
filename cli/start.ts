// `npm start`: the main job. With no cluster configured, it brings up the local control plane
// (the same one the tests use), installs the akri.sh CRDs, and keeps it running until Ctrl-C.
// With KUBECONFIG set, it installs the CRDs into that cluster instead.
// The agent, controller and demo devices join this command as their issues land.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from '../lib/kube/kube-config.ts';
import { installCrds } from '../lib/kube/install-crds.ts';
import { ControlPlane } from '../test/control-plane/control-plane.ts';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function againstConfiguredCluster(kubeconfig: string): Promise<void> {
  const kc = loadKubeConfig(kubeconfig);
  say(`Using the cluster in KUBECONFIG (${kc.getCurrentCluster()?.server ?? 'unknown server'}).`);
  await installCrds(kc);
  say('Installed the akri.sh CRDs: configurations.akri.sh (akric) and instances.akri.sh (akrii).');
}

async function localControlPlane(): Promise<void> {
  const cache = process.env.AKRI_TS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'akri-ts');
  const dir = join(cache, 'local-cluster');
  const plane = new ControlPlane({ dir, progress: (line) => say(`  ${line}`) });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the local control plane...`);
    await plane.stop();
    say('Stopped. Cluster state is kept in ' + dir);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  say('Starting a local control plane (etcd, kube-apiserver, kube-scheduler, kube-controller-manager)...');
  const started = Date.now();
  const endpoints = await plane.start();
  await installCrds(loadKubeConfig(endpoints.kubeconfig));
  say(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${endpoints.server}, with the akri.sh CRDs installed.`);
  say('');
  say('Reach it with kubectl:');
  say(`  export KUBECONFIG=${endpoints.kubeconfig}`);
  say(`  export PATH=${endpoints.binDir}:$PATH   # the kubectl built with the control plane`);
  say('  kubectl get akric,akrii -A');
  say('  kubectl apply -f test/fixtures/akri-samples/e2e-debug-echo.yaml');
  say('');
  say(`Logs: ${endpoints.logDir}. Press Ctrl-C to stop.`);
}

const kubeconfig = process.env.KUBECONFIG;
try {
  if (kubeconfig) await againstConfiguredCluster(kubeconfig);
  else await localControlPlane();
} catch (err) {
  process.stderr.write(`akri-ts: ${(err as Error).message}\n`);
  process.exit(1);
}
