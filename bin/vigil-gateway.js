#!/usr/bin/env node
// Runs the TypeScript gateway directly through tsx, so `npx vigil-gateway` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../src/gateway/cli.ts', import.meta.url).href);
await main(process.argv.slice(2));
