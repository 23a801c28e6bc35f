// Device health strings of the kubelet's v1beta1 API.
export const HEALTHY = 'Healthy';
export const UNHEALTHY = 'Unhealthy';
