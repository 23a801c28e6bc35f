// Original file: pluginregistration/v1/pluginregistration.proto


export interface InfoRequest {
}

export interface InfoRequest__Output {
}
