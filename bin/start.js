#!/usr/bin/env node
// `npm start`: the service as compiled JavaScript, built first when src/ changed (bin/build.js).
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './build.js';

ensureBuilt();
await import(pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js')).href);
