// Ambient declarations for hypercore-id-encoding: keys as hex or z-base-32.
declare module 'hypercore-id-encoding' {
  export function encode(key: Uint8Array): string
  export function decode(id: string | Uint8Array): Buffer
  export function normalize(id: string | Uint8Array): string
  export function isValid(id: unknown): boolean
}
