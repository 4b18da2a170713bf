import { setFlagsFromString } from 'node:v8';

/**
 * Lets the young-generation collector reclaim short-lived Buffers, instead of full collections.
 * The SSH proxy allocates a few bytes of Buffer memory per byte it forwards (socket reads, SSH
 * packets, recording frames), almost all of it garbage within milliseconds. By default V8 starts a
 * full mark-compact of the whole heap after every ~40 MB of such memory, whatever its lifetime: on a
 * bulk transfer that is several full collections a second and more CPU than the transfer itself.
 * Counted in V8's global heap limit, this memory grows the limit like any other allocation does.
 * For the gateway process only (`vigil-gateway serve`): it is a process-wide setting.
 */
export function tuneHeapForStreaming(): void {
  setFlagsFromString('--external-memory-accounted-in-global-limit');
}
