// Writes Configurations and Instances the way users and Akri agents do: a user creates a
// Configuration; each agent server-side-applies the Instance with its own field managers
// (`<node>` for its `nodes` entry, `dp-<node>` for the deviceUsage slots it holds).
import type { KubeConfig } from '@kubernetes/client-node';
import type { ConfigurationSpec } from '../../../lib/crd/configuration.ts';
import type { Instance } from '../../../lib/crd/instance.ts';
import { kubeRequest, serverSideApply } from '../../../lib/kube/raw-request.ts';
import { cdiName, instanceName } from '../../../lib/naming/instance-name.ts';

const base = (ns: string) => `/apis/akri.sh/v0/namespaces/${ns}`;

export function createConfiguration(kc: KubeConfig, ns: string, name: string, spec: ConfigurationSpec): Promise<unknown> {
  return kubeRequest(kc, {
    method: 'POST',
    path: `${base(ns)}/configurations`,
    body: { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name }, spec },
  });
}

export function patchConfiguration(kc: KubeConfig, ns: string, name: string, spec: Partial<ConfigurationSpec>): Promise<unknown> {
  return kubeRequest(kc, {
    method: 'PATCH',
    path: `${base(ns)}/configurations/${name}`,
    contentType: 'application/merge-patch+json',
    body: { spec },
  });
}

export interface AgentView {
  configurationName: string;
  /** The device's hash: the Instance is `<configurationName>-<hash>`. */
  hash: string;
  shared: boolean;
  capacity?: number;
}

/** What one node's agent applies: itself in `nodes`, or (nodes: []) withdrawing itself. */
export function agentApplyInstance(kc: KubeConfig, ns: string, node: string, view: AgentView, present = true): Promise<unknown> {
  const name = instanceName(view.configurationName, view.hash);
  return serverSideApply(
    kc,
    `${base(ns)}/instances/${name}`,
    {
      apiVersion: 'akri.sh/v0',
      kind: 'Instance',
      metadata: { name },
      spec: {
        configurationName: view.configurationName,
        cdiName: cdiName(view.configurationName, view.hash),
        capacity: view.capacity ?? 2,
        shared: view.shared,
        nodes: present ? [node] : [],
      },
    },
    node,
    true,
  );
}

/** What a node's device plugin applies when it claims slots: only its own keys. */
export function agentClaimSlots(kc: KubeConfig, ns: string, name: string, node: string, slots: Record<string, string>): Promise<unknown> {
  return serverSideApply(kc, `${base(ns)}/instances/${name}`, { apiVersion: 'akri.sh/v0', kind: 'Instance', metadata: { name }, spec: { deviceUsage: slots } }, `dp-${node}`, true);
}

export function getInstance(kc: KubeConfig, ns: string, name: string): Promise<Instance> {
  return kubeRequest<Instance>(kc, { method: 'GET', path: `${base(ns)}/instances/${name}` });
}
