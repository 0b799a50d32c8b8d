#!/usr/bin/env node
// The `sopbot` admin command, as compiled JavaScript (built first when src/ changed, see build.js).
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from './build.js';

ensureBuilt();
await import(pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js')).href);
