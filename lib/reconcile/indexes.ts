// The informer indexes the agent and the controller look objects up by, each under a
// namespaced value so that lookups need no filtering afterwards.
import type { Instance } from '../crd/instance.ts';
import type { KubeObject } from './informer.ts';

/** Instances by their Configuration: `namespace/configurationName`. */
export const BY_CONFIGURATION = 'byConfiguration';
export const instanceConfiguration = (i: Instance): string[] => [`${i.metadata.namespace ?? ''}/${i.spec.configurationName}`];

/** Instances by each node in spec.nodes (cluster-wide: node names are not namespaced). */
export const BY_NODE = 'byNode';
export const instanceNodes = (i: Instance): string[] => i.spec.nodes ?? [];

/** Objects by a label's value: `namespace/value`; objects without the label are not indexed. */
export function labelIndex(label: string): (obj: KubeObject) => string[] {
  return (obj) => {
    const value = obj.metadata?.labels?.[label];
    return value === undefined ? [] : [`${obj.metadata?.namespace ?? ''}/${value}`];
  };
}
