/**
 * The folder the service is installed in (the one holding package.json), found from this module
 * so it works from src/ and from dist/. The defaults that name files of the installation (the
 * catalog, the embedded data folder) are taken from here, not from the folder a command happens
 * to be typed in: `sopbot` typed elsewhere must reach the same data as the service, not quietly
 * create an empty database where the admin stands.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function installFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
