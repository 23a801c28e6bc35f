// The API group and version both CRDs live in, as Akri defines them.
export const AKRI_GROUP = 'akri.sh';
export const AKRI_VERSION = 'v0';
export const AKRI_API_VERSION = `${AKRI_GROUP}/${AKRI_VERSION}` as const;
export const CONFIGURATION_PLURAL = 'configurations';
export const INSTANCE_PLURAL = 'instances';
