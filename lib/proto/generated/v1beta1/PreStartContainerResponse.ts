// Original file: deviceplugin/v1beta1/deviceplugin.proto


export interface PreStartContainerResponse {
}

export interface PreStartContainerResponse__Output {
}
