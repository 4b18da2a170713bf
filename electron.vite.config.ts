import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import type { Plugin } from 'vite';
import { metaContentSecurityPolicy } from './src/main/csp';

/** `@shared/…` names src/shared from anywhere, as in tsconfig's `paths`. */
const alias = { '@shared': resolve(__dirname, 'src/shared') };

/**
 * Writes the renderer's one Content-Security-Policy (src/main/csp.ts) into index.html. Only the
 * development server's page may also reach a bridge host on this machine.
 */
function contentSecurityPolicyMeta(): Plugin {
  let serving = false;
  return {
    name: 'vigil-csp-meta',
    configResolved(config) {
      serving = config.command === 'serve';
    },
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: {
          'http-equiv': 'Content-Security-Policy',
          content: metaContentSecurityPolicy(serving ? { connect: ['ws://127.0.0.1:*'] } : {}),
        },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/main/index.ts') } },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // Sandboxed preloads cannot load ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    resolve: { alias },
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [vue(), contentSecurityPolicyMeta()],
  },
});
