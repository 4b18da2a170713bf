import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import prettier from 'eslint-config-prettier';

const layer = (from, forbidden) => ({
  files: [`src/${from}/**/*.{ts,vue}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((group) => ({
          group: [`**/${group}/**`, `**/${group}`],
          message: `src/${from} may import only from src/shared (layering).`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'data/**', 'node_modules/**', '.toolchain/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
    },
  },
  layer('shared', ['main', 'preload', 'renderer', 'gateway', 'recording', 'operator']),
  layer('main', ['preload', 'renderer', 'gateway', 'operator']),
  layer('preload', ['main', 'renderer', 'gateway', 'recording', 'operator']),
  layer('renderer', ['main', 'preload', 'gateway', 'recording', 'operator']),
  layer('gateway', ['main', 'preload', 'renderer', 'operator']),
  // The operator's RDP page, served by the gateway to a browser.
  layer('operator', ['main', 'preload', 'renderer', 'gateway', 'recording']),
  // Recordings are read and written the same way by the gateway and the desktop app's main process.
  layer('recording', ['main', 'preload', 'renderer', 'gateway']),
  // Evidence bundles are written and verified the same way by the desktop app and the gateway.
  layer('evidence', ['main', 'preload', 'renderer', 'gateway', 'operator']),
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron', 'fs', 'path', 'crypto'],
              message: 'src/shared is pure TypeScript.',
            },
            {
              group: [
                '**/main/**',
                '**/preload/**',
                '**/renderer/**',
                '**/gateway/**',
                '**/recording/**',
                '**/operator/**',
              ],
              message: 'layering',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,vue}'],
    ignores: ['src/renderer/src/api.ts', 'src/renderer/src/bridge/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'window', property: 'vigil', message: 'Only api.ts touches window.vigil.' },
      ],
    },
  },
  prettier,
);
