// Original file: pluginregistration/v1/pluginregistration.proto


export interface RegistrationStatusResponse {
}

export interface RegistrationStatusResponse__Output {
}
