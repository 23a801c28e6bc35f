// Original file: deviceplugin/v1beta1/deviceplugin.proto


export interface Empty {
}

export interface Empty__Output {
}
