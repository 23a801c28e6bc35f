// Original file: podresources/v1/podresources.proto


export interface GetPodResourcesRequest {
  'podName'?: (string);
  'podNamespace'?: (string);
}

export interface GetPodResourcesRequest__Output {
  'podName': (string);
  'podNamespace': (string);
}
