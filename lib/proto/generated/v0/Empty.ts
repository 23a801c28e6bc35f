// Original file: discovery/v0/discovery.proto


export interface Empty {
}

export interface Empty__Output {
}
