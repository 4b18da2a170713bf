/// <reference types="vite/client" />
import type { VigilApi } from '@shared/ipc';

declare global {
  interface Window {
    /** Exposed by the preload inside Electron; absent in a plain browser, where the bridge is used. */
    vigil?: VigilApi;
  }
}
