// Pure: the DeviceClass of a DRA Configuration, named after it, so that a claim's
// `deviceClassName: <configuration>` asks for any of its devices as `akri.sh/<configuration>`
// does with device plugins. It selects by the driver and the `namespace` and `configuration`
// attributes: DeviceClasses are cluster-scoped, Configurations are not. The driver is tested
// first so the attribute lookups never run (and fail) on another driver's devices.
import { nameAttributeValue } from './device-attributes.ts';
import { CONFIGURATION_NAME_LABEL, CONFIGURATION_NAMESPACE_LABEL, CONTROLLER_WRITER, DRA_DRIVER, MANAGED_BY, MANAGED_BY_LABEL, WRITER_LABEL } from './driver.ts';
import { RESOURCE_API, type DeviceClass } from './resource-api.ts';
import { labelValue } from './slice-plan.ts';

export interface ConfigurationRef {
  namespace: string;
  name: string;
}

/** A CEL string literal. */
export function celString(value: string): string {
  return JSON.stringify(value);
}

export function configurationSelector(c: ConfigurationRef): string {
  const attrs = `device.attributes[${celString(DRA_DRIVER)}]`;
  return `device.driver == ${celString(DRA_DRIVER)} && ${attrs}.namespace == ${celString(c.namespace)} && ${attrs}.configuration == ${celString(nameAttributeValue(c.name))}`;
}

export function deviceClassFor(c: ConfigurationRef): DeviceClass {
  return {
    apiVersion: RESOURCE_API,
    kind: 'DeviceClass',
    metadata: {
      name: c.name,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY,
        [WRITER_LABEL]: CONTROLLER_WRITER,
        [CONFIGURATION_NAMESPACE_LABEL]: c.namespace,
        [CONFIGURATION_NAME_LABEL]: labelValue(c.name),
      },
    },
    spec: { selectors: [{ cel: { expression: configurationSelector(c) } }] },
  };
}

/** Whether an existing DeviceClass of that name is the one this Configuration owns. */
export function isClassOf(existing: DeviceClass, c: ConfigurationRef): boolean {
  const labels = existing.metadata.labels ?? {};
  return labels[MANAGED_BY_LABEL] === MANAGED_BY && labels[CONFIGURATION_NAMESPACE_LABEL] === c.namespace && existing.metadata.name === c.name;
}
