// How `npm start` gives its local Node life: a real kubelet on containerd (cli/start/node/), so
// the demo's brokers run, when this machine can run one; else the heartbeat of node-heartbeat.ts,
// which keeps the Node Ready while its broker Pods stay Pending. The user's choice comes from
// `--kubelet` / `--no-kubelet` or AKRI_TS_KUBELET (auto, the default; on; off); the facts about
// the machine are gathered by a thin shell, and chooseNodeMode() decides from both.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { hostAddress } from './node/real-node.ts';
import { FIXED_DEVICE_PLUGIN_DIR } from './node/kubelet-layout.ts';
import { nodeLockHolder } from './node/node-lock.ts';
import { checkPrerequisites } from './node/prerequisites.ts';

export type KubeletSetting = 'auto' | 'on' | 'off';

const SETTINGS: readonly KubeletSetting[] = ['auto', 'on', 'off'];

/** The setting from npm start's arguments (which win) and AKRI_TS_KUBELET; bad input throws, naming it. */
export function kubeletSetting(argv: readonly string[], env: NodeJS.ProcessEnv): KubeletSetting {
  let fromArgs: KubeletSetting | undefined;
  for (const arg of argv) {
    if (arg === '--kubelet') fromArgs = 'on';
    else if (arg === '--no-kubelet') fromArgs = 'off';
    else throw new Error(`npm start: unknown argument "${arg}"; it takes --kubelet (run a real kubelet or fail) or --no-kubelet (never run one)`);
  }
  if (fromArgs) return fromArgs;
  const raw = env.AKRI_TS_KUBELET;
  if (raw === undefined || raw === '') return 'auto';
  if ((SETTINGS as readonly string[]).includes(raw)) return raw as KubeletSetting;
  throw new Error(`AKRI_TS_KUBELET: expected auto, on or off, got "${raw}"`);
}

/** What this machine offers a real node. */
export interface NodeFacts {
  /** What is missing for a real kubelet, each in a few words with its fix (prerequisites.ts). */
  missing: string[];
  /** Another process running a real node here (the node test tier, another npm start). */
  lockHolder?: number;
  /** A kubelet not ours already serves the fixed device-plugin socket (K3s, MicroK8s, kubeadm). */
  foreignKubelet?: string;
}

export type NodeMode = { kind: 'kubelet' } | { kind: 'heartbeat'; why: string };

/**
 * `auto` runs the kubelet when nothing is missing and falls back with the reason in one line;
 * `on` fails with the reasons instead; `off` never runs one.
 */
export function chooseNodeMode(setting: KubeletSetting, facts: NodeFacts): NodeMode {
  if (setting === 'off') return { kind: 'heartbeat', why: 'turned off (--no-kubelet or AKRI_TS_KUBELET=off)' };
  const reasons = [
    ...facts.missing,
    ...(facts.lockHolder !== undefined ? [`another real node runs on this machine (pid ${facts.lockHolder} holds the node lock)`] : []),
    ...(facts.foreignKubelet ? [`a kubelet already runs on this machine (${facts.foreignKubelet} answers)`] : []),
  ];
  if (reasons.length === 0) return { kind: 'kubelet' };
  if (setting === 'on') throw new Error(`a real kubelet was asked for (--kubelet or AKRI_TS_KUBELET=on) but cannot run here:\n- ${reasons.join('\n- ')}`);
  return { kind: 'heartbeat', why: reasons.join('; ') };
}

/** Whether something listens on a unix socket (a kubelet's registration socket). */
function answers(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const c = connect(socket);
    const done = (ok: boolean) => {
      c.destroy();
      resolve(ok);
    };
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
    c.setTimeout(1000, () => done(false));
  });
}

export async function gatherNodeFacts(): Promise<NodeFacts> {
  const { problems } = checkPrerequisites();
  const missing = [...problems];
  try {
    hostAddress();
  } catch (err) {
    missing.push((err as Error).message);
  }
  const socket = `${FIXED_DEVICE_PLUGIN_DIR}/kubelet.sock`;
  const lockHolder = nodeLockHolder();
  // While our own node runs (the lock), the socket is our kubelet's, not a foreign one.
  const foreign = lockHolder === undefined && (await answers(socket)) ? socket : undefined;
  return { missing, ...(lockHolder !== undefined ? { lockHolder } : {}), ...(foreign ? { foreignKubelet: foreign } : {}) };
}
