// The names akri-ts uses in Dynamic Resource Allocation (resource.k8s.io/v1): the driver that
// owns our ResourceSlices and that the kubelet calls to prepare claims, the CDI kind of the
// spec files the agent writes, and the labels by which the agent and the controller find the
// objects they wrote (ResourceSlices and DeviceClasses are cluster-scoped, so owner references
// to namespaced Instances are not possible; labels carry the key instead).
export const DRA_DRIVER = 'akri.sh';

/** CDI kind (vendor/class) of every device in our spec files: `akri.sh/claim=<name>`. */
export const CDI_VENDOR = 'akri.sh';
export const CDI_CLASS = 'claim';
export const CDI_KIND = `${CDI_VENDOR}/${CDI_CLASS}`;

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'akri-ts';
/** Which component writes the object: the controller (shared pools, classes) or `agent-<node>`. */
export const WRITER_LABEL = 'akri.sh/writer';
export const CONFIGURATION_NAMESPACE_LABEL = 'akri.sh/configuration-namespace';
export const CONFIGURATION_NAME_LABEL = 'akri.sh/configuration';
export const INSTANCE_NAME_LABEL = 'akri.sh/instance';

export const CONTROLLER_WRITER = 'controller';
export function agentWriter(node: string): string {
  return `agent-${node}`;
}

/** The field manager the agent applies its node's ResourceSlices with. */
export function agentSliceFieldManager(node: string): string {
  return `dra-${node}`;
}
