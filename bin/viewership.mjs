#!/usr/bin/env node
// Entry point of the `viewership` CLI: loads the TypeScript sources through tsx (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
