// Original file: podresources/v1/podresources.proto


export interface ListPodResourcesRequest {
}

export interface ListPodResourcesRequest__Output {
}
