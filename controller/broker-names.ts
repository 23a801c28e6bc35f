// Names and labels of everything the controller creates, byte-for-byte as Akri v0.13 makes
// them, so that an existing Akri cluster's brokers are recognised and users' selectors keep working.
export const CONTROLLER_LABEL = 'controller';
export const CONTROLLER_LABEL_VALUE = 'akri.sh';
export const CONFIGURATION_LABEL = 'akri.sh/configuration';
export const INSTANCE_LABEL = 'akri.sh/instance';
export const TARGET_NODE_LABEL = 'akri.sh/target-node';
export const APP_LABEL = 'app';
/** akri-ts: hash of what the controller asked for, so that an edited Configuration rolls out. */
export const SPEC_HASH_ANNOTATION = 'akri.sh/spec-hash';
export const FIELD_MANAGER = 'akri.sh/controller';
export const PLACEHOLDER = '{{PLACEHOLDER}}';

/** Akri's create_broker_app_name: the instance name with '.' → '-', prefixed by the node for shared devices. */
export function brokerAppName(instance: string, node: string | undefined, shared: boolean, suffix: string): string {
  const normalized = instance.replaceAll('.', '-');
  return shared && node !== undefined ? `${node}-${normalized}-${suffix}` : `${normalized}-${suffix}`;
}

export function brokerPodName(instance: string, node: string, shared: boolean): string {
  return brokerAppName(instance, node, shared, 'pod');
}

export function brokerJobName(instance: string, configurationGeneration: number): string {
  return brokerAppName(instance, undefined, false, `${configurationGeneration}-job`);
}

export function serviceName(instanceOrConfiguration: string): string {
  return `${instanceOrConfiguration.replaceAll('.', '-')}-svc`;
}

/** The device-plugin resource a broker asks for in place of {{PLACEHOLDER}}. */
export function instanceResourceName(instance: string): string {
  return `akri.sh/${instance}`;
}
